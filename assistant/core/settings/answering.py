"""How passages are found and how answers are chosen from them.

Retrieval takes short environment names (`ASSISTANT_TOP_K`, `ASSISTANT_RETRIEVAL_MODE`, ...);
answering is set through `ASSISTANT_ANSWERING__<FIELD>`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.settings.paths import PROJECT_ROOT


class RetrievalSettings(BaseModel):
    """Keyword and dense search, fused."""

    model_config = ConfigDict(extra="forbid")

    mode: str = Field(
        "hybrid",
        pattern="^(hybrid|bm25|dense)$",
        description="hybrid, bm25 or dense. Environment: ASSISTANT_RETRIEVAL_MODE.",
    )
    top_k: int = Field(8, ge=1, description="Passages returned with an answer.")
    candidates: int = Field(40, ge=1, description="Passages each retriever contributes to fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion damping constant.")
    parallel_vocabulary_from: int = Field(
        20_000,
        ge=1,
        description="Passages from which, when the keyword index and vocabulary are built (a first "
        "start on a new version of the index), the vocabulary is counted in a second process while "
        "the keyword index is built: about 1.5 s sooner at 100,000 passages on 2 cores; below this, "
        "starting the process costs more than it saves.",
    )


class AnsweringSettings(BaseModel):
    """How answers are chosen; `ASSISTANT_ANSWERING__<FIELD>` in the environment."""

    model_config = ConfigDict(extra="forbid")

    model_path: Path = Field(
        PROJECT_ROOT / "assistant" / "answering" / "model.json",
        description="The fitted answer model (`make fit` writes it).",
    )
    called: str = Field(
        "the documents",
        description='What answers call the documents: "The documents do not appear to cover this."',
    )
    candidates: int = Field(24, ge=1, description="Best fused sentences the model reads closely.")
    neighbours_of: int = Field(
        5, ge=0, description="The sentences before and after each of this many best hits are candidates too."
    )
    near: float = Field(
        0.15,
        ge=0,
        le=1,
        description="A refusal cites the nearest sentences only when the model rates them at least this.",
    )
    answer_threshold: float | None = Field(
        None, ge=0, le=1, description="Confidence below which the answer is refused; unset: the fitted value."
    )
    lead_threshold: float | None = Field(
        None, ge=0, le=1, description="Confidence from which a short lead may go first; unset: fitted."
    )
    span_threshold: float | None = Field(
        None, ge=0, le=1, description="Rating a span needs to be that lead; unset: fitted."
    )
    second_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Below the lead threshold, a second sentence rated within this of the best is shown "
        "too; unset: fitted.",
    )
    pair_words: int | None = Field(
        None,
        ge=1,
        description="The second sentence is shown only when the two hold at most this many words; "
        "unset: fitted.",
    )
    off_topic_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Off-topic probability from which a question from another field is refused; "
        "unset: fitted.",
    )
    parse_cache_size: int = Field(20_000, ge=1, description="Parsed sentences kept in memory.")
    max_citations: int = Field(3, ge=1, description="Most sentences cited in one answer.")
