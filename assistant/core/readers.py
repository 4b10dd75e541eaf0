"""What every version of the index is read and answered with: the encoder, the English pipeline
and the fitted answer model, loaded once per process and shared (by several assistants, in the
evals, too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.answering.features import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
)
from assistant.answering.language import Language
from assistant.answering.model import AnswerModel, load_model
from assistant.core.settings import Settings
from ingest.embedder import Embedder, load_embedder


@dataclass(frozen=True)
class Readers:
    """What every version of the index is read and answered with: loaded once per process."""

    embedder: Embedder
    embed_query: Callable[[str], np.ndarray]
    language: Language
    model: AnswerModel

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of short texts (a question's focus noun, candidate spans), each cached."""
        return np.vstack([self.embed_query(text) for text in texts])


def load_readers(settings: Settings, model: AnswerModel | None = None) -> Readers:
    """The encoder, the English pipeline and the answer model (from the settings' file unless given)."""
    embedder = settings_embedder(settings, settings.embedding.query_threads)
    model = model or load_model(settings.answering.model_path)
    model.check(SPAN_FEATURES, SENTENCE_FEATURES, CONFIDENCE_FEATURES, ANSWERABILITY_FEATURES)
    return Readers(
        embedder=embedder,
        embed_query=lru_cache(maxsize=8192)(embedder.embed_query),
        language=Language(settings.answering.parse_cache_size),
        model=model,
    )


def settings_embedder(settings: Settings, threads: int = 0) -> Embedder:
    """The encoder the settings name; `threads` 0 uses every core (ingest), the chat asks for fewer."""
    return load_embedder(
        settings.embedding.model_path,
        settings.embedding.embed_batch_size,
        settings.embedding.kind,
        threads,
        settings.embedding.encoder_cache_dir,
    )
