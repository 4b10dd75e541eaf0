"""`assistant bench`: how fast and how exact ingest, search and the chat are, in one run.

Measures, on this machine and offline:

* ingest throughput of our pipeline on a large real corpus (Debian's python3.11-doc reST
  sources), against the raw encoder on the very same passages and against LlamaIndex's
  default `VectorStoreIndex.from_documents` pipeline on the same files;
* re-ingest with nothing changed and with one file changed;
* `Assistant.ask` latency (p50/p95) on the bundled corpus and on the large one;
* HNSW recall@10 of the Chroma index against exact brute force;
* cold start of `assistant serve` until its first answer, and its peak memory.

Figures are printed next to their targets, never asserted. Every measurement is a small
function taking folders and an embedder, so the tests can run them on a tiny corpus.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np

from assistant.settings import PROJECT_ROOT, Settings

DOC_SOURCES = Path("/usr/share/doc/python3.11/html/_sources")
DOC_PACKAGE = "python3.11-doc"
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
FULL_PASSAGES = 3000  # the full corpus (~177k passages) would take over an hour to embed on 2 cores
QUICK_PASSAGES = 500
COLD_QUESTION = "Who carried out the 2025 report?"

PYTHON_DOC_QUESTIONS = (
    "How do I open a file for reading?",
    "What does the with statement do?",
    "How are exceptions raised and caught?",
    "What is a generator?",
    "How do I sort a list of dictionaries by a key?",
    "What is the global interpreter lock?",
    "How do I create a virtual environment?",
    "What does the json module do?",
    "How can I run a subprocess and capture its output?",
    "What is a decorator?",
    "How do I format a string with f-strings?",
    "What are type hints?",
    "How does asyncio run coroutines?",
    "What is the difference between a list and a tuple?",
    "How do I read command-line arguments?",
    "What does the logging module provide?",
    "How is memory managed in Python?",
    "What is a dataclass?",
    "How do I compare floating point numbers?",
    "Which version added the walrus operator?",
)

# (key, target text, check) for the readable table; checks never fail the command.
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "ingest_vs_encoder": (">= 0.9", lambda v: v >= 0.9),
    "ingest_vs_llamaindex_default": (">= 1.5", lambda v: v >= 1.5),
    "reingest_noop_s": ("< 1", lambda v: v < 1),
    "ask_p50_ms": ("<= 50", lambda v: v <= 50),
    "ask_p95_ms": ("<= 150", lambda v: v <= 150),
    "ask_large_p50_ms": ("<= 100", lambda v: v <= 100),
    "hnsw_recall_at_10": (">= 0.99", lambda v: v >= 0.99),
    "cold_start_s": ("<= 5", lambda v: v <= 5),
    "serve_rss_mb": ("<= 1500", lambda v: v <= 1500),
}


def log(message: str) -> None:
    click.echo(f"[bench {time.strftime('%H:%M:%S')}] {message}", err=True)


# --- offline guard --------------------------------------------------------------------------------


@dataclass
class NetworkGuard:
    """Records (and refuses) every connection this process tries to open beyond loopback."""

    attempts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def no_network() -> Iterator[NetworkGuard]:
    """Refuse non-loopback connections for the duration, so a hidden download fails loudly."""
    guard = NetworkGuard()
    original = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            guard.attempts.append(f"{host}:{address[1] if isinstance(address, tuple) else ''}")
            raise OSError(f"bench: network access refused ({host})")
        return original(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield guard
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def offline_environment() -> None:
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("ANONYMIZED_TELEMETRY", "False"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(name, value)


# --- corpus ----------------------------------------------------------------------------------------


def ensure_doc_sources(source: Path = DOC_SOURCES) -> Path:
    """The python3.11-doc reST sources, installing the Debian package when they are missing."""
    if source.is_dir():
        return source
    log(f"{source} missing: apt-get install -y {DOC_PACKAGE}")
    install = ["apt-get", "install", "-y", DOC_PACKAGE]
    if subprocess.run(install, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        log(f"install failed; running apt-get update, then installing {DOC_PACKAGE} again")
        subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, stdout=subprocess.DEVNULL, check=True)
    if not source.is_dir():
        raise click.ClickException(f"{DOC_PACKAGE} installed but {source} is still missing")
    return source


def count_passages(path: Path, name: str) -> int:
    """Passages our pipeline makes of one file (0 when it cannot be loaded)."""
    from ingest.furniture import content_blocks
    from ingest.loaders import LoadError, load_text
    from ingest.splitter import split_passages

    try:
        text, _ = load_text(path, path.read_bytes())
    except (LoadError, OSError):
        return 0
    return len(split_passages(name, text, content_blocks(text)))


@dataclass(frozen=True)
class CorpusSubset:
    files: list[str]
    passages: int
    available_files: int
    capped: bool


def build_corpus(source: Path, target: Path, min_passages: int | None) -> CorpusSubset:
    """Copy .txt files of `source` into `target` (keeping relative paths).

    With `min_passages`, files are taken in a fixed pseudo-random order (by the hash of their
    path, so the subset mixes library, howto and tutorial pages) until that many passages.
    """
    names = sorted(p.relative_to(source).as_posix() for p in source.rglob("*.txt") if p.is_file())
    order = sorted(names, key=lambda n: hashlib.sha1(n.encode()).hexdigest()) if min_passages else names
    chosen: list[str] = []
    passages = 0
    for name in order:
        if min_passages is not None and passages >= min_passages:
            break
        count = count_passages(source / name, name)
        if not count:
            continue
        chosen.append(name)
        passages += count
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, destination)
    return CorpusSubset(sorted(chosen), passages, len(names), len(chosen) < len(names))


def corpus_texts(corpus: Path) -> list[str]:
    """Passage texts in the order our pipeline embeds them."""
    from ingest.pipeline import scan_corpus

    texts: list[str] = []
    from ingest.furniture import content_blocks
    from ingest.loaders import LoadError, load_text
    from ingest.splitter import split_passages

    paths, _ = scan_corpus(corpus, Settings().max_file_bytes)
    for path in paths:
        name = path.relative_to(corpus).as_posix()
        try:
            text, _ = load_text(path, path.read_bytes())
        except LoadError:
            continue
        texts.extend(p.text for p in split_passages(name, text, content_blocks(text)))
    return texts


# --- ingest ----------------------------------------------------------------------------------------


def measure_ingest(corpus: Path, index: Path, embedder: Any) -> dict[str, Any]:
    """Our pipeline into a fresh Chroma store; the embedder is loaded already."""
    from ingest.pipeline import ingest_corpus
    from ingest.store import open_client

    started = time.perf_counter()
    summary = ingest_corpus(
        corpus, open_client(index), lambda: embedder, max_file_bytes=Settings().max_file_bytes, progress=False
    )
    seconds = time.perf_counter() - started
    return {
        "files": summary.files,
        "passages": summary.embedded_passages,
        "seconds": seconds,
        "passages_per_s": summary.embedded_passages / seconds if seconds else 0.0,
    }


def measure_encoder(texts: Sequence[str], embedder: Any) -> dict[str, Any]:
    """`SentenceTransformer.encode` alone on the same texts and batch size: the practical limit."""
    started = time.perf_counter()
    embedder.model.encode(
        list(texts),
        batch_size=embedder.batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    seconds = time.perf_counter() - started
    return {
        "passages": len(texts),
        "batch_size": embedder.batch_size,
        "seconds": seconds,
        "passages_per_s": len(texts) / seconds if seconds else 0.0,
    }


def warm_up(embedder: Any, texts: Sequence[str], every: int = 8) -> None:
    """Encode a length-stratified sample first, so neither timed run pays for first-seen shapes."""
    embedder.embed(sorted(texts, key=len)[::every])


def load_llamaindex_embedding() -> Any:
    """LlamaIndex's HuggingFaceEmbedding on the bundled model folder, with offline tokenizer settings.

    `Settings.tokenizer` would otherwise be tiktoken, which downloads its BPE file; the MiniLM
    tokenizer from the same folder replaces it, and `Settings.llm = None` (no LLM is needed).
    """
    from llama_index.core import Settings as LlamaSettings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    from ingest.embedder import bundled_model_path

    transformers_logging.set_verbosity_error()
    path = str(bundled_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    LlamaSettings.tokenizer = tokenizer.encode
    with contextlib.redirect_stdout(sys.stderr):
        LlamaSettings.llm = None  # prints "LLM is explicitly disabled"
    return HuggingFaceEmbedding(model_name=path, device="cpu")


def measure_llamaindex(corpus: Path, index: Path, embed_model: Any) -> dict[str, Any]:
    """`VectorStoreIndex.from_documents` (default splitter and batch size) into a Chroma collection."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from ingest.store import open_client

    collection = open_client(index).get_or_create_collection("llamaindex", embedding_function=None)
    started = time.perf_counter()
    documents = SimpleDirectoryReader(str(corpus), recursive=True, required_exts=[".txt"]).load_data()
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=embed_model)
    seconds = time.perf_counter() - started
    return {
        "documents": len(documents),
        "chunks": collection.count(),
        "chunk_size_tokens": LlamaSettings.chunk_size,
        "embed_batch_size": embed_model.embed_batch_size,
        "seconds": seconds,
        "tokenizer": "MiniLM HF tokenizer (Settings.tokenizer; tiktoken would download), Settings.llm=None",
    }


def measure_reingest(corpus: Path, index: Path, embedder: Any) -> dict[str, Any]:
    """Re-ingest as the CLI does: nothing changed (lazy embedder never called), then one file changed."""
    from ingest.pipeline import ingest_corpus
    from ingest.store import open_client

    max_bytes = Settings().max_file_bytes
    called: list[bool] = []

    def lazy() -> Any:
        called.append(True)
        return embedder

    started = time.perf_counter()
    noop = ingest_corpus(corpus, open_client(index), lazy, max_file_bytes=max_bytes, progress=False)
    noop_s = time.perf_counter() - started

    changed_file = sorted(p for p in corpus.rglob("*.txt") if p.is_file())[0]
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\n\nThis sentence was added by the benchmark to change one file.\n")
    started = time.perf_counter()
    one = ingest_corpus(
        corpus, open_client(index), lambda: embedder, max_file_bytes=max_bytes, progress=False
    )
    one_s = time.perf_counter() - started
    return {
        "reingest_noop_s": noop_s,
        "noop_embedded_passages": noop.embedded_passages,
        "noop_model_requested": bool(called),
        "reingest_one_changed_s": one_s,
        "one_changed_embedded_passages": one.embedded_passages,
        "one_changed_file": changed_file.relative_to(corpus).as_posix(),
    }


# --- asking ----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def measure_ask(
    settings: Settings, questions: Sequence[tuple[str, Sequence[str]]], second_pass: bool = True
) -> dict[str, Any]:
    """End-to-end `Assistant.ask` latency: one warm-up question, then each question once."""
    from assistant.service import create_assistant

    started = time.perf_counter()
    assistant = create_assistant(settings)
    create_s = time.perf_counter() - started
    assistant.ask("What is this about?")
    first = _timed_asks(assistant, questions)
    result: dict[str, Any] = {
        "questions": len(questions),
        "create_assistant_s": create_s,
        "p50_ms": percentile(first, 50),
        "p95_ms": percentile(first, 95),
        "max_ms": max(first) if first else float("nan"),
    }
    if second_pass:
        cached = _timed_asks(assistant, questions)
        result["cached_p50_ms"] = percentile(cached, 50)
        result["cached_p95_ms"] = percentile(cached, 95)
    return result


def _timed_asks(assistant: Any, questions: Sequence[tuple[str, Sequence[str]]]) -> list[float]:
    times: list[float] = []
    for question, history in questions:
        started = time.perf_counter()
        assistant.ask(question, list(history))
        times.append((time.perf_counter() - started) * 1000)
    return times


def eval_questions() -> list[tuple[str, tuple[str, ...]]]:
    from evals.dataset import load_dataset

    return [(item.question, item.history) for item in load_dataset()]


# --- index quality ---------------------------------------------------------------------------------


def measure_recall(index: Path, query_vectors: np.ndarray, k: int = 10) -> dict[str, Any]:
    """Mean overlap of Chroma's top-k with the exact top-k (dot products of normalised vectors).

    Ties count: a Chroma hit whose exact similarity equals the k-th exact one is correct,
    since duplicate passages (the same reST line in many files) have identical vectors.
    """
    from ingest.store import open_client, passages_collection

    collection = passages_collection(open_client(index))
    records = collection.get(include=["embeddings"])
    ids = list(records["ids"])
    matrix = np.asarray(records["embeddings"], dtype=np.float32)
    row_of = {id_: row for row, id_ in enumerate(ids)}
    k = min(k, len(ids))
    started = time.perf_counter()
    answers = collection.query(query_embeddings=query_vectors.tolist(), n_results=k, include=[])
    query_s = time.perf_counter() - started
    overlaps: list[float] = []
    for vector, found in zip(query_vectors, answers["ids"], strict=True):
        scores = matrix @ vector
        kth = np.partition(scores, -k)[-k]
        hits = sum(1 for id_ in found if scores[row_of[id_]] >= kth - 1e-6)
        overlaps.append(min(hits, k) / k)
    return {
        "queries": len(overlaps),
        "stored_vectors": len(ids),
        "k": k,
        "recall_at_k": float(np.mean(overlaps)) if overlaps else float("nan"),
        "min_recall": float(min(overlaps)) if overlaps else float("nan"),
        "query_ms_per_vector": query_s * 1000 / max(len(overlaps), 1),
    }


def recall_queries(index: Path, embedder: Any, questions: Sequence[str], random_passages: int) -> np.ndarray:
    """Questions embedded, plus the stored vectors of some passages picked with a fixed seed."""
    from ingest.store import open_client, passages_collection

    vectors = [embedder.embed(list(questions))] if questions else []
    if random_passages:
        records = passages_collection(open_client(index)).get(include=["embeddings"])
        stored = np.asarray(records["embeddings"], dtype=np.float32)
        rows = random.Random(20250807).sample(range(len(stored)), min(random_passages, len(stored)))
        vectors.append(stored[sorted(rows)])
    return np.concatenate(vectors) if vectors else np.zeros((0, 384), dtype=np.float32)


# --- serving ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_hwm_kb(pid: int) -> int:
    """Peak resident memory (VmHWM) of `pid` and all its descendants, in kB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _ask_server(url: str, question: str) -> tuple[str, Any]:
    """Ask through gradio_client: `/ask` first, else the first named endpoint that takes a string."""
    from gradio_client import Client

    with contextlib.redirect_stdout(sys.stderr):
        client = Client(url, verbose=False)
    try:
        return "/ask", client.predict(question, api_name="/ask")
    except Exception as ask_error:  # the endpoint may not exist in this version of the app
        api = client.view_api(print_info=False, return_format="dict") or {}
        for name in api.get("named_endpoints") or {}:
            if name == "/ask":
                continue
            with contextlib.suppress(Exception):
                return name, client.predict(question, api_name=name)
        raise ask_error


def measure_serve(settings: Settings, timeout_s: float = 180.0, extra_questions: int = 3) -> dict[str, Any]:
    """Start `assistant serve` on 127.0.0.1, time it until the first answer, then read its peak RSS."""
    import urllib.request

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ)
    env.update(
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_DATA_DIR=str(settings.data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        ANONYMIZED_TELEMETRY="False",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    command = [
        str(Path(sys.executable).parent / "assistant"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log_file = tempfile.TemporaryFile()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    result: dict[str, Any] = {"port": port}
    try:
        http_up_s: float | None = None
        last_error = ""
        while time.perf_counter() - started < timeout_s:
            if process.poll() is not None:
                log_file.seek(0)
                tail = log_file.read().decode("utf-8", "replace")[-2000:]
                raise RuntimeError(f"assistant serve exited with {process.returncode}:\n{tail}")
            if http_up_s is None:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            http_up_s = time.perf_counter() - started
                except OSError as error:
                    last_error = str(error)
                    time.sleep(0.1)
                    continue
            try:
                endpoint, answer = _ask_server(url, COLD_QUESTION)
                break
            except Exception as error:  # not ready yet
                last_error = f"{type(error).__name__}: {error}"
                time.sleep(0.2)
        else:
            raise RuntimeError(f"no answer from {url} within {timeout_s:.0f} s ({last_error})")
        result["cold_start_s"] = time.perf_counter() - started
        result["http_up_s"] = http_up_s
        result["endpoint"] = endpoint
        result["first_answer"] = _answer_text(answer)[:160]
        for question, _ in eval_questions()[1 : 1 + extra_questions]:
            _ask_server(url, question)
        result["serve_rss_mb"] = _tree_hwm_kb(process.pid) / 1024
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def _answer_text(answer: Any) -> str:
    if isinstance(answer, dict):
        return str(answer.get("answer", answer))
    return str(answer)


# --- the whole run ---------------------------------------------------------------------------------


def run_bench(
    quick: bool = False,
    *,
    work: Path | None = None,
    large_source: Path | None = None,
    min_passages: int | None = None,
    bundled_corpus: Path = BUNDLED_CORPUS,
    llamaindex: bool = True,
    serve: bool = True,
    large_questions: Sequence[tuple[str, Sequence[str]]] | None = None,
    bundled_questions: Sequence[tuple[str, Sequence[str]]] | None = None,
    recall_random: int = 50,
) -> dict[str, Any]:
    """Every measurement in one run; returns the JSON object (`ratios` holds the headline figures)."""
    offline_environment()
    from ingest.embedder import load_embedder

    base = Settings()
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-bench-")))
        guard = stack.enter_context(no_network())
        target = min_passages if min_passages is not None else (QUICK_PASSAGES if quick else FULL_PASSAGES)
        source = large_source or ensure_doc_sources()
        log(f"copying a corpus of >= {target} passages from {source}")
        subset = build_corpus(source, work / "large" / "corpus", target)
        log(f"{len(subset.files)} of {subset.available_files} files, {subset.passages} passages")

        log("loading the embedder (not timed)")
        embedder = load_embedder(base.model_path, base.embed_batch_size)
        embedder.embed(["warm up the encoder"])

        large_corpus, large_index = work / "large" / "corpus", work / "large" / "index"
        texts = corpus_texts(large_corpus)
        log("warming up the encoder on every 8th passage by length (not timed)")
        warm_up(embedder, texts)
        log("ingest: our pipeline")
        ours = measure_ingest(large_corpus, large_index, embedder)
        log(f"  {ours['passages']} passages in {ours['seconds']:.1f} s")
        log("ingest: raw encoder on the same passages")
        encoder = measure_encoder(texts, embedder)
        log(f"  {encoder['passages']} passages in {encoder['seconds']:.1f} s")
        li: dict[str, Any] | None = None
        if llamaindex:
            log("ingest: LlamaIndex default pipeline (embedder loaded beforehand, not timed)")
            li = measure_llamaindex(large_corpus, work / "llamaindex" / "index", load_llamaindex_embedding())
            log(f"  {li['chunks']} chunks in {li['seconds']:.1f} s")

        log("re-ingest: nothing changed, then one file changed")
        reingest = measure_reingest(large_corpus, large_index, embedder)

        log("recall@10 of the HNSW index against brute force")
        questions_large = list(large_questions if large_questions is not None else _large_questions())
        queries = recall_queries(
            large_index,
            embedder,
            [q for q, _ in questions_large] + [q for q, _ in eval_questions()][:30],
            recall_random,
        )
        recall = measure_recall(large_index, queries)

        log("ask latency on the large index")
        large_settings = Settings(
            corpus_dir=large_corpus, index_dir=large_index, data_dir=work / "large" / "data"
        )
        ask_large = measure_ask(large_settings, questions_large)

        log("ingest the bundled corpus and time ask on it")
        bundled = work / "bundled"
        shutil.copytree(bundled_corpus, bundled / "corpus")
        bundled_ingest = measure_ingest(bundled / "corpus", bundled / "index", embedder)
        bundled_settings = Settings(
            corpus_dir=bundled / "corpus", index_dir=bundled / "index", data_dir=bundled / "data"
        )
        ask = measure_ask(bundled_settings, list(bundled_questions or eval_questions()))

        served: dict[str, Any] | None = None
        if serve:
            log("cold start of `assistant serve` until its first answer")
            served = measure_serve(bundled_settings)

    ratios: dict[str, Any] = {
        "ingest_vs_encoder": encoder["seconds"] / ours["seconds"],
        "ingest_vs_llamaindex_default": li["seconds"] / ours["seconds"] if li else None,
        "ask_p50_ms": ask["p50_ms"],
        "ask_p95_ms": ask["p95_ms"],
        "ask_large_p50_ms": ask_large["p50_ms"],
        "ask_large_p95_ms": ask_large["p95_ms"],
        "reingest_noop_s": reingest["reingest_noop_s"],
        "reingest_one_changed_s": reingest["reingest_one_changed_s"],
        "hnsw_recall_at_10": recall["recall_at_k"],
        "cold_start_s": served["cold_start_s"] if served else None,
        "serve_rss_mb": served["serve_rss_mb"] if served else None,
    }
    return {
        "ratios": ratios,
        "mode": "quick" if quick else "full",
        "corpus": {
            "source": str(source),
            "files": len(subset.files),
            "available_files": subset.available_files,
            "passages": subset.passages,
            "capped": subset.capped,
            "note": (
                f"capped to a deterministic subset (files ordered by the SHA-1 of their path) of "
                f">= {target} passages: the whole corpus would take far longer than 15 minutes to embed"
                if subset.capped
                else "whole corpus"
            ),
        },
        "ingest": {"ours": ours, "encoder": encoder, "llamaindex_default": li},
        "reingest": reingest,
        "recall": recall,
        "ask_bundled": ask,
        "ask_large": ask_large,
        "bundled_ingest": bundled_ingest,
        "serve": served,
        "network_attempts": guard.attempts,
        "machine": {"cpus": os.cpu_count(), "torch_threads": _torch_threads()},
    }


def _large_questions() -> list[tuple[str, tuple[str, ...]]]:
    return [(q, ()) for q in PYTHON_DOC_QUESTIONS]


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


# --- output ----------------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    """The readable report: raw figures, then the headline figures next to their targets."""
    ingest = result["ingest"]
    ours, encoder, li = ingest["ours"], ingest["encoder"], ingest["llamaindex_default"]
    corpus = result["corpus"]
    lines = [
        f"Corpus: {corpus['files']} of {corpus['available_files']} files of {corpus['source']}, "
        f"{corpus['passages']} passages ({corpus['note']})",
        f"Ingest, ours:        {ours['passages']:>6} passages {ours['seconds']:8.1f} s "
        f"{ours['passages_per_s']:8.1f} passages/s",
        f"Encoder only:        {encoder['passages']:>6} passages {encoder['seconds']:8.1f} s "
        f"{encoder['passages_per_s']:8.1f} passages/s (batch {encoder['batch_size']})",
    ]
    if li:
        lines.append(
            f"LlamaIndex default:  {li['chunks']:>6} chunks   {li['seconds']:8.1f} s "
            f"(SentenceSplitter {li['chunk_size_tokens']} tokens, embed batch {li['embed_batch_size']}; "
            f"{li['tokenizer']})"
        )
    ask, ask_large = result["ask_bundled"], result["ask_large"]
    nan = float("nan")
    lines.append(
        f"Ask, bundled: {ask['questions']} questions; cached second pass p50 "
        f"{ask.get('cached_p50_ms', nan):.1f} ms, p95 {ask.get('cached_p95_ms', nan):.1f} ms"
    )
    lines.append(f"Ask, large: {ask_large['questions']} questions; max {ask_large['max_ms']:.1f} ms")
    recall = result["recall"]
    lines.append(
        f"Recall: {recall['queries']} queries over {recall['stored_vectors']} vectors, "
        f"min {recall['min_recall']:.2f}"
    )
    served = result.get("serve")
    if served:
        lines.append(f"Serve: endpoint {served['endpoint']}, HTTP up after {served['http_up_s']:.1f} s")
    lines.append(f"Network attempts blocked: {len(result['network_attempts'])}")
    lines.append("")
    lines.append(f"{'figure':<30} {'value':>12}  {'target':<10} met")
    for key, value in result["ratios"].items():
        target, check = TARGETS.get(key, ("", None))
        shown = "n/a" if value is None else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        met = "" if value is None or check is None else ("yes" if check(value) else "NO")
        lines.append(f"{key:<30} {shown:>12}  {target:<10} {met}")
    return "\n".join(lines)


@click.command("bench")
@click.option("--quick", is_flag=True, help=f"A corpus of about {QUICK_PASSAGES} passages (a few minutes).")
@click.option(
    "--json",
    "json_out",
    is_flag=False,
    flag_value="-",
    default=None,
    metavar="[PATH]",
    help="Print the figures as one JSON object (or write them to PATH).",
)
@click.option(
    "--passages",
    type=int,
    default=None,
    help=f"Minimum passages of the large corpus (default {FULL_PASSAGES}).",
)
@click.option("--no-llamaindex", is_flag=True, help="Skip the LlamaIndex comparison.")
@click.option("--no-serve", is_flag=True, help="Skip the `assistant serve` cold start.")
def bench(
    quick: bool, json_out: str | None, passages: int | None, no_llamaindex: bool, no_serve: bool
) -> None:
    """Measure ingest throughput, re-ingest, ask latency, HNSW recall and serve cold start.

    Figures are printed next to their targets and never fail the command.
    """
    result = run_bench(quick, min_passages=passages, llamaindex=not no_llamaindex, serve=not no_serve)
    text = json.dumps(result, indent=2, default=str)
    if json_out == "-":
        click.echo(table(result), err=True)
        click.echo(text)
        return
    click.echo(table(result))
    if json_out:
        Path(json_out).write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}", err=True)


if __name__ == "__main__":
    bench()
