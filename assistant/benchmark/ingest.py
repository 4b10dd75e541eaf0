"""Ingest throughput: our pipeline, the raw encoder on the same passages, LlamaIndex's default.

Also re-ingest as the CLI does it: nothing changed, then one file changed. Each function
takes folders and an already loaded embedder and returns its figures; choosing the corpus,
asking questions and comparing figures with targets happen elsewhere.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.settings import Settings


def measure_ingest(corpus: Path, index: Path, embedder: Any) -> dict[str, Any]:
    """Our pipeline into a fresh Chroma store; the embedder is loaded already."""
    from ingest.pipeline import ingest_corpus
    from ingest.store import open_client

    started = time.perf_counter()
    summary = ingest_corpus(
        corpus,
        open_client(index),
        lambda: embedder,
        max_file_bytes=Settings().max_file_bytes,
        progress=False,
        encoder=embedder.name,
    )
    seconds = time.perf_counter() - started
    return {
        "files": summary.files,
        "passages": summary.embedded_passages,
        "seconds": seconds,
        "passages_per_s": summary.embedded_passages / seconds if seconds else 0.0,
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
    noop = ingest_corpus(
        corpus, open_client(index), lazy, max_file_bytes=max_bytes, progress=False, encoder=embedder.name
    )
    noop_s = time.perf_counter() - started

    changed_file = sorted(p for p in corpus.rglob("*.txt") if p.is_file())[0]
    with changed_file.open("a", encoding="utf-8") as out:
        out.write("\n\nThis sentence was added by the benchmark to change one file.\n")
    started = time.perf_counter()
    one = ingest_corpus(
        corpus,
        open_client(index),
        lambda: embedder,
        max_file_bytes=max_bytes,
        progress=False,
        encoder=embedder.name,
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
