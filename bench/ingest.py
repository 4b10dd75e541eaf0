"""Ingest throughput: our pipeline, the raw encoder on the same passages, and LlamaIndex twice:
doing the same work (an `IngestionPipeline` whose `SentenceSplitter` makes within 10% of our
passage count, the same MiniLM through `HuggingFaceEmbedding`, a `ChromaVectorStore`), and with
its defaults (1,024-token chunks: far fewer, truncated vectors; kept only as a footnote).

Also re-ingest as the CLI does it: nothing changed, then one file changed. Each function
takes folders and an already loaded embedder and returns its figures; choosing the corpus,
asking questions and comparing figures with targets happen elsewhere.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.settings import Settings

if TYPE_CHECKING:
    from ingest.pipeline import IngestSummary


@dataclass(frozen=True)
class OurIngest:
    """Our pipeline as `assistant ingest` runs it on one corpus and index: the embedder loaded
    beforehand, where the vector files go, and the parsing for the chat that follows (`parse`;
    None: left out, as in the LlamaIndex comparison, since LlamaIndex does no such work)."""

    corpus: Path
    index: Path
    embedder: Any
    vectors_dir: Path | None = None
    parse: Callable[[], object] | None = None

    def run(self, embedder: Callable[[], Any] | None = None) -> IngestSummary:
        """One ingest (without the parsing); `embedder` replaces the loaded one's factory."""
        from ingest.pipeline import ingest_corpus
        from ingest.store import open_client

        return ingest_corpus(
            self.corpus,
            open_client(self.index),
            embedder or (lambda: self.embedder),
            max_file_bytes=Settings().ingest.max_file_bytes,
            progress=False,
            encoder=self.embedder.name,
            vectors_dir=self.vectors_dir,
        )

    def run_and_parse(self, embedder: Callable[[], Any] | None = None) -> IngestSummary:
        summary = self.run(embedder)
        if self.parse is not None:
            self.parse()
        return summary


def measure_ingest(ours: OurIngest) -> dict[str, Any]:
    """Our pipeline into a fresh Chroma store, then (timed apart) its parsing for the chat."""
    started = time.perf_counter()
    summary = ours.run()
    seconds = time.perf_counter() - started
    parse_seconds: float | None = None
    if ours.parse is not None:
        started = time.perf_counter()
        ours.parse()
        parse_seconds = time.perf_counter() - started
    return {
        "files": summary.files,
        "passages": summary.embedded_passages,
        "seconds": seconds,
        "passages_per_s": summary.embedded_passages / seconds if seconds else 0.0,
        "parse_seconds": parse_seconds,
    }


def measure_embed(texts: Sequence[str], embedder: Any) -> dict[str, Any]:
    """An embedder alone on the passages: the practical limit the pipeline is compared with.

    For the PyTorch reference this is `SentenceTransformer.encode` (same batch size, normalised).
    """
    started = time.perf_counter()
    embedder.embed(list(texts))
    return _encoded(texts, embedder, time.perf_counter() - started)


def _encoded(texts: Sequence[str], embedder: Any, seconds: float) -> dict[str, Any]:
    return {
        "encoder": embedder.name,
        "passages": len(texts),
        "batch_size": embedder.batch_size,
        "seconds": seconds,
        "passages_per_s": len(texts) / seconds if seconds else 0.0,
    }


def warm_up(embedder: Any, texts: Sequence[str], every: int = 8) -> None:
    """Encode a length-stratified sample first, so neither timed run pays for first-seen shapes."""
    embedder.embed(sorted(texts, key=len)[::every])


def load_llamaindex_embedding(batch_size: int | None = None) -> Any:
    """LlamaIndex's HuggingFaceEmbedding on the bundled model folder (the same files our embedder
    loads, `ingest.embedder.bundled_model_path`), offline; `batch_size` None keeps its default.

    `Settings.tokenizer` would otherwise be tiktoken, which downloads its BPE file; the MiniLM
    tokenizer from the same folder replaces it, and `Settings.llm = None` (no LLM is needed).
    """
    from llama_index.core import Settings as LlamaSettings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    from ingest.embedder import bundled_model_path

    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    path = str(bundled_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    LlamaSettings.tokenizer = tokenizer.encode
    with contextlib.redirect_stdout(sys.stderr):
        LlamaSettings.llm = None  # prints "LLM is explicitly disabled"
    if batch_size is None:
        return HuggingFaceEmbedding(model_name=path, device="cpu")
    return HuggingFaceEmbedding(model_name=path, device="cpu", embed_batch_size=batch_size)


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


def llamaindex_documents(corpus: Path) -> list[Any]:
    """The corpus's .txt files as LlamaIndex reads them, metadata kept out of what is embedded
    and of the splitter's budget (our passages are embedded without file metadata too)."""
    from llama_index.core import SimpleDirectoryReader

    documents = SimpleDirectoryReader(str(corpus), recursive=True, required_exts=[".txt"]).load_data()
    for document in documents:
        document.excluded_embed_metadata_keys = list(document.metadata)
        document.excluded_llm_metadata_keys = list(document.metadata)
    return documents


def matching_chunk_size(
    documents: Sequence[Any], passages: int, low: int = 8, high: int = 1024
) -> tuple[int, int]:
    """The `SentenceSplitter` chunk size (tokens, no overlap) whose node count is nearest `passages`.

    Node counts fall as the chunk size grows, so a bisection finds it; returns (size, nodes).
    Splitting is cheap next to embedding and is not part of the timed run.
    """
    from llama_index.core.node_parser import SentenceSplitter

    def count(size: int) -> int:
        splitter = SentenceSplitter(chunk_size=size, chunk_overlap=0)
        with _quiet_stdout():
            return len(splitter.get_nodes_from_documents(documents))

    best = (high, count(high))
    while low <= high:
        middle = (low + high) // 2
        nodes = count(middle)
        if abs(nodes - passages) < abs(best[1] - passages):
            best = (middle, nodes)
        if nodes > passages:
            low = middle + 1
        else:
            high = middle - 1
    return best


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Drop what LlamaIndex prints: at small chunk sizes `SentenceSplitter` prints a note per
    document on stdout, where `bench --json` writes its JSON."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def measure_llamaindex_same_work(
    corpus: Path, index: Path, embed_model: Any, passages: int, chunk_size: int | None = None
) -> dict[str, Any]:
    """LlamaIndex doing our work: read the same files, split into about `passages` nodes, embed
    them with the same MiniLM and write them to Chroma, through `IngestionPipeline.run`.

    The chunk size is chosen beforehand (untimed) so the node count is nearest ours; the timed
    part is reading, splitting, embedding and writing, as in our pipeline's figure.
    """
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from ingest.store import open_client

    if chunk_size is None:
        chunk_size, _ = matching_chunk_size(llamaindex_documents(corpus), passages)
    collection = open_client(index).get_or_create_collection("llamaindex_same_work", embedding_function=None)
    started = time.perf_counter()
    documents = llamaindex_documents(corpus)
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=chunk_size, chunk_overlap=0), embed_model],
        vector_store=ChromaVectorStore(chroma_collection=collection),
    )
    with _quiet_stdout():
        nodes = pipeline.run(documents=documents)
    seconds = time.perf_counter() - started
    return {
        "documents": len(documents),
        "passages": len(nodes),
        "stored": collection.count(),
        "our_passages": passages,
        "passages_vs_ours": len(nodes) / passages if passages else float("nan"),
        "chunk_size_tokens": chunk_size,
        "embed_batch_size": embed_model.embed_batch_size,
        "seconds": seconds,
        "passages_per_s": len(nodes) / seconds if seconds else 0.0,
    }


def measure_reingest(ours: OurIngest) -> dict[str, Any]:
    """Re-ingest as the CLI does, parsing included: nothing changed (lazy embedder never called),
    then one file changed."""
    called: list[bool] = []

    def lazy() -> Any:
        called.append(True)
        return ours.embedder

    started = time.perf_counter()
    noop = ours.run_and_parse(lazy)
    noop_s = time.perf_counter() - started

    changed_file = sorted(p for p in ours.corpus.rglob("*.txt") if p.is_file())[0]
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\n\nThis sentence was added by the benchmark to change one file.\n")
    started = time.perf_counter()
    one = ours.run_and_parse()
    one_s = time.perf_counter() - started
    return {
        "reingest_noop_s": noop_s,
        "noop_embedded_passages": noop.embedded_passages,
        "noop_model_requested": bool(called),
        "reingest_one_changed_s": one_s,
        "one_changed_embedded_passages": one.embedded_passages,
        "one_changed_file": changed_file.relative_to(ours.corpus).as_posix(),
    }


def parse_step(settings: Settings) -> Callable[[], int]:
    """What `assistant ingest` does after writing: parse the new passages for the chat (see
    `assistant.core.parse_files`), the English pipeline loaded beforehand as the embedder is."""
    from assistant.answering.language import Language
    from assistant.core.parse_files import keep_parses
    from ingest.store import open_client

    language = Language(settings.answering.parse_cache_size)
    index = settings.index

    def parse() -> int:
        return keep_parses(index.parse_files, open_client(index.index_dir), lambda: language)

    return parse
