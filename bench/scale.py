"""`assistant bench --scale`: the product at 100,000+ passages of real prose on one machine.

Builds one corpus of the bundled Powys reports plus Debian's documentation (the reST sources
of python3.11-doc and the kernel's `linux-doc`, decompressed to .txt), files taken in a fixed
order by the SHA-1 of their name until the passage target; ingests it once with our pipeline
and measures on that one index: ingest seconds and passages per second, index size on disk,
re-ingest (nothing changed, one file changed), HNSW recall@10 against exact search on a
sample, `Assistant.ask` p50/p95 (bundled questions and questions about the large corpus),
and `assistant serve` start-up and resident memory. It does not compare with LlamaIndex
(that is `assistant bench`), and it asserts nothing: figures are reported next to targets.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import random
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings
from bench.asking import (
    PYTHON_DOC_QUESTIONS,
    eval_questions,
    measure_ask,
    measure_recall,
    recall_queries,
)
from bench.corpus import (
    BUNDLED_CORPUS,
    DOC_PACKAGE,
    DOC_SOURCES,
    ensure_doc_sources,
    passage_texts,
)
from bench.ingest import OurIngest, measure_ingest, measure_reingest, parse_step
from bench.runtime import log, no_network, offline_environment
from bench.serving import measure_serve
from bench.shared_server import measure_shared_server, shared_figures

SCALE_PASSAGES = 100_000
LINUX_DOC_SOURCES = Path("/usr/share/doc/linux-doc/Documentation")
LINUX_DOC_PACKAGE = "linux-doc"
# The kernel's prose: reStructuredText and plain-text documents (its YAML device-tree
# bindings, diagrams and scripts are left out).
LINUX_DOC_SUFFIXES = (".rst", ".rst.gz", ".txt", ".txt.gz")
RECALL_SAMPLE = 200  # stored passages used as queries, besides the questions
DRAWN_QUESTIONS = 20  # questions made from passages of the large corpus
SERVE_TIMEOUT_S = 900.0
SHARED_QUESTIONS = 20  # asked of each chat process on the shared server

LINUX_DOC_QUESTIONS = (
    "How do I submit a patch to the Linux kernel?",
    "What is the kernel coding style for indentation?",
    "How does RCU protect readers?",
    "What does the OOM killer do?",
    "How are kernel modules loaded?",
    "What is a spinlock?",
    "How do I configure cgroups memory limits?",
    "What is the device tree?",
    "How does the page cache work?",
    "What is ftrace used for?",
)


@dataclass(frozen=True)
class SourceFile:
    """One documentation file: where it is read from and its name in the scale corpus."""

    path: Path
    name: str

    def text_bytes(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.name.endswith(".gz") else data


def source_files(python_docs: Path | None, linux_docs: Path | None) -> list[SourceFile]:
    """Every prose file of both sources, in a fixed order mixing them (the SHA-1 of the name)."""
    files: list[SourceFile] = []
    if python_docs is not None:
        for path in python_docs.rglob("*.txt"):
            files.append(SourceFile(path, f"python/{path.relative_to(python_docs).as_posix()}"))
    if linux_docs is not None:
        for path in linux_docs.rglob("*"):
            if path.is_file() and path.name.endswith(LINUX_DOC_SUFFIXES):
                relative = path.relative_to(linux_docs).as_posix().removesuffix(".gz")
                name = relative if relative.endswith(".txt") else f"{relative}.txt"
                files.append(SourceFile(path, f"linux/{name}"))
    return sorted(files, key=lambda f: hashlib.sha1(f.name.encode()).hexdigest())


def build_scale_corpus(
    files: Sequence[SourceFile], target: Path, min_passages: int, bundled: Path | None = BUNDLED_CORPUS
) -> dict[str, Any]:
    """The bundled corpus (at the root, with its manifest) plus documentation files until
    `min_passages` passages in all, counted as our pipeline splits them."""
    from ingest.loaders import SUPPORTED_SUFFIXES

    target.mkdir(parents=True, exist_ok=True)
    passages = 0
    if bundled is not None:
        shutil.copytree(bundled, target, dirs_exist_ok=True)
        passages = sum(
            len(passage_texts(p, p.name))
            for p in sorted(target.iterdir())
            if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        )
    chosen = {"python": 0, "linux": 0}
    for source in files:
        if passages >= min_passages:
            break
        destination = target / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            destination.write_bytes(source.text_bytes())
        except (OSError, gzip.BadGzipFile, EOFError):
            destination.unlink(missing_ok=True)
            continue
        count = len(passage_texts(destination, source.name))
        if not count:
            destination.unlink()
            continue
        passages += count
        chosen[source.name.split("/", 1)[0]] += 1
    return {
        "counted_passages": passages,
        "python_files": chosen["python"],
        "linux_files": chosen["linux"],
        "available_files": len(files),
        "words": _words(target),
    }


def _words(folder: Path) -> int:
    return sum(
        len(p.read_text("utf-8", errors="replace").split()) for p in folder.rglob("*.txt") if p.is_file()
    )


def ensure_linux_doc(source: Path = LINUX_DOC_SOURCES) -> Path:
    """The kernel documentation, installing Debian's `linux-doc` when it is missing."""
    return ensure_doc_sources(source, LINUX_DOC_PACKAGE)


def drawn_questions(corpus: Path, count: int, seed: int = 20250807) -> list[str]:
    """Questions made from the large corpus itself: a sentence of a randomly chosen passage of
    8–30 words from a documentation file, asked as "What does the documentation say about …?"."""
    rng = random.Random(seed)
    files = sorted(p for p in corpus.rglob("*.txt") if p.parent != corpus)
    questions: list[str] = []
    for path in rng.sample(files, min(len(files), 4 * count)):
        texts = [
            t for t in passage_texts(path, path.relative_to(corpus).as_posix()) if 8 <= len(t.split()) <= 30
        ]
        if texts:
            sentence = rng.choice(texts).rstrip(" .:")
            questions.append(f"What does the documentation say about {sentence[:1].lower()}{sentence[1:]}?")
        if len(questions) == count:
            break
    return questions


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@contextlib.contextmanager
def _work_folder(work: Path | None) -> Iterator[Path]:
    if work is not None:
        yield work
        return
    with tempfile.TemporaryDirectory(prefix="assistant-bench-scale-") as folder:
        yield Path(folder)


def run_scale(
    *,
    work: Path | None = None,
    min_passages: int = SCALE_PASSAGES,
    python_docs: Path | None = None,
    linux_docs: Path | None = None,
    bundled_corpus: Path | None = BUNDLED_CORPUS,
    serve: bool = True,
    shared_server: bool = True,
    bundled_questions: Sequence[tuple[str, Sequence[str]]] | None = None,
    large_questions: Sequence[str] | None = None,
    drawn: int = DRAWN_QUESTIONS,
    recall_random: int = RECALL_SAMPLE,
) -> dict[str, Any]:
    """Every scale measurement on one index of >= `min_passages` passages; returns the JSON object."""
    offline_environment()
    from assistant.core.readers import settings_embedder

    with _work_folder(work) as folder, no_network() as guard:
        python_docs = python_docs or ensure_doc_sources(DOC_SOURCES, DOC_PACKAGE)
        if linux_docs is None:
            linux_docs = ensure_linux_doc()
        corpus, index = folder / "corpus", folder / "index"
        log(f"building a corpus of >= {min_passages} passages from {python_docs} and {linux_docs}")
        built = build_scale_corpus(
            source_files(python_docs, linux_docs), corpus, min_passages, bundled_corpus
        )
        log(f"  {built['python_files']} + {built['linux_files']} files, {built['counted_passages']} passages")

        base = Settings()
        embedder = settings_embedder(base)
        embedder.embed(["warm up the encoder"])
        log("ingest: our pipeline (one run, the embedder loaded beforehand)")
        settings = Settings(index={"corpus_dir": corpus, "index_dir": index, "data_dir": folder / "data"})
        parse = parse_step(settings)
        ours = OurIngest(corpus, index, embedder, settings.index.vector_files, parse)
        ingest = measure_ingest(ours)
        ingest["index_bytes"] = disk_bytes(index)
        log(
            f"  {ingest['passages']} passages in {ingest['seconds']:.1f} s, parsed in "
            f"{ingest['parse_seconds']:.1f} s, index {ingest['index_bytes'] / 1e6:.0f} MB"
        )

        log("re-ingest: nothing changed, then one file changed")
        reingest = measure_reingest(ours)

        asked = list(
            large_questions if large_questions is not None else (*PYTHON_DOC_QUESTIONS, *LINUX_DOC_QUESTIONS)
        )
        from_corpus = drawn_questions(corpus, drawn)
        log("recall@10 of the HNSW index against exact search on a sample")
        recall = measure_recall(index, recall_queries(index, embedder, asked + from_corpus, recall_random))
        del embedder
        log("ask latency at scale: bundled questions, then questions about the large corpus")
        bundled = list(bundled_questions if bundled_questions is not None else eval_questions())
        ask_bundled = measure_ask(settings, bundled, second_pass=False)
        ask_large = measure_ask(settings, [(q, ()) for q in asked + from_corpus], second_pass=False)

        served: dict[str, Any] | None = None
        first_served: dict[str, Any] | None = None
        shared: dict[str, Any] | None = None
        if serve:
            log("`assistant serve` start-up and memory: the first start after the ingest, then a restart")
            shutil.rmtree(settings.index.derived_files, ignore_errors=True)
            first_served = measure_serve(settings, timeout_s=SERVE_TIMEOUT_S)
            served = measure_serve(settings, timeout_s=SERVE_TIMEOUT_S)
        if shared_server:
            log(f"two chat processes on one `chroma run` server, {SHARED_QUESTIONS} questions each at once")
            shared = measure_shared_server(settings, asked[:SHARED_QUESTIONS], SERVE_TIMEOUT_S)

    figures: dict[str, Any] = {
        "scale_passages": ingest["passages"],
        "scale_ingest_s": ingest["seconds"],
        "scale_ingest_passages_per_s": ingest["passages_per_s"],
        "scale_ingest_parse_s": ingest["parse_seconds"],
        "scale_index_mb": ingest["index_bytes"] / 1e6,
        "scale_reingest_noop_s": reingest["reingest_noop_s"],
        "scale_reingest_one_changed_s": reingest["reingest_one_changed_s"],
        "scale_ask_p50_ms": ask_bundled["p50_ms"],
        "scale_ask_p95_ms": ask_bundled["p95_ms"],
        "scale_ask_large_p50_ms": ask_large["p50_ms"],
        "scale_ask_large_p95_ms": ask_large["p95_ms"],
        "scale_hnsw_recall_at_10": recall["recall_at_k"],
        "scale_serve_start_s": served["cold_start_s"] if served else None,
        "scale_serve_first_start_s": first_served["cold_start_s"] if first_served else None,
        "scale_serve_rss_mb": (
            max(served["serve_rss_mb"], first_served["serve_rss_mb"]) if served and first_served else None
        ),
        **shared_figures(shared),
    }
    return {
        "ratios": figures,
        "mode": "scale",
        "corpus": {
            **built,
            "python_docs": str(python_docs),
            "linux_docs": str(linux_docs),
            "bundled": str(bundled_corpus) if bundled_corpus else None,
            "note": "the bundled corpus, then documentation files in a fixed order (SHA-1 of the name)",
        },
        "ingest": ingest,
        "reingest": reingest,
        "recall": recall,
        "ask_bundled": ask_bundled,
        "ask_large": {**ask_large, "written": len(asked), "drawn_from_corpus": len(from_corpus)},
        "drawn_questions_sample": from_corpus[:3],
        "serve": served,
        "serve_first_after_ingest": first_served,
        "shared_server": shared,
        "network_attempts": guard.attempts,
        "encoder": Settings().embedding.kind,
        "machine": {"cpus": os.cpu_count()},
    }
