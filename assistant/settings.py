"""One settings object for the whole product, read from `ASSISTANT_*` environment variables.

Built once at the edge (CLI, app start, test fixture) and passed down; nothing reads the
environment at import time. The defaults run the embedded index on the bundled corpus with
no configuration at all.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.embedder import DEFAULT_CACHE_DIR, DEFAULT_ENCODER, ENCODERS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class AnsweringSettings(BaseModel):
    """How answers are chosen; `ASSISTANT_ANSWERING__<FIELD>` in the environment."""

    model_config = ConfigDict(extra="forbid")

    model_path: Path = Field(
        PROJECT_ROOT / "assistant" / "answering" / "model.json",
        description="The fitted answer model (`make fit` writes it).",
    )
    called: str = Field(
        "the reports",
        description='What answers call the documents: "The reports do not appear to cover this."',
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
    parse_cache_size: int = Field(20_000, ge=1, description="Parsed sentences kept in memory.")


class Settings(BaseSettings):
    """Deployment knobs and retrieval/answering parameters, each documented by its field."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", env_nested_delimiter="__")

    answering: AnsweringSettings = Field(
        default_factory=AnsweringSettings, description="How answers are chosen."
    )

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder of source documents.")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Embedded ChromaDB store.")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Feedback and other local data.")
    chroma_host: str | None = Field(None, description="Chroma server host; embedded store if unset.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    model_path: Path | None = Field(
        None, description="Sentence-transformers model folder; the bundled MiniLM if unset."
    )
    encoder: str = Field(
        DEFAULT_ENCODER,
        pattern=f"^({'|'.join(ENCODERS)})$",
        description="onnx-int8: the model exported locally to int8 ONNX (faster, no torch at answer "
        "time); torch: sentence-transformers on PyTorch. Changing it re-embeds the corpus.",
    )
    encoder_cache_dir: Path = Field(DEFAULT_CACHE_DIR, description="Where the int8 ONNX export is kept.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per encoder batch.")
    write_batch_size: int = Field(2048, ge=1, description="Passages per Chroma write.")
    embed_group_size: int = Field(
        1024, ge=1, description="Passages of several small files embedded in one encoder call."
    )
    max_file_bytes: int = Field(20_000_000, ge=1, description="Larger corpus files are skipped.")
    top_k: int = Field(8, ge=1, description="Passages returned with an answer.")
    candidates: int = Field(40, ge=1, description="Passages each retriever contributes to fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion damping constant.")
    max_citations: int = Field(3, ge=1, description="Most sentences cited in one answer.")
    query_threads: int = Field(
        1,
        ge=1,
        description="Encoder threads for answering. One question is a tiny batch: on 2 cores one thread "
        "answers as fast alone and far faster under load than threads contending for the cores.",
    )
    answer_cache_size: int = Field(
        512,
        ge=0,
        description="Answers kept for repeated questions (same words, history, filters and mode); "
        "emptied whenever a re-ingest changes the index. 0 turns the cache off.",
    )
    refresh_interval_s: float = Field(
        1.0,
        ge=0,
        description="The chat looks for a finished re-ingest before a question at most this often.",
    )
    answer_concurrency: int = Field(
        2,
        ge=1,
        description="Questions the chat answers at once. Answering is thread-safe; two at once lets one "
        "embed a question while the other ranks, and more gives no throughput on 2 cores while "
        "lengthening the tail (scripts/load.py).",
    )
    queue_size: int = Field(64, ge=1, description="Questions waiting in the chat's queue at most.")
    max_question_chars: int = Field(2000, ge=1, description="Longer questions are refused.")
    retrieval_mode: str = Field(
        "hybrid", pattern="^(hybrid|bm25|dense)$", description="hybrid, bm25 or dense."
    )
    users_file: Path | None = Field(
        None,
        description="JSON file of users with salted password hashes (`assistant users add NAME`); "
        "when set, the served chat and its API require login. Unset: no login, loopback only "
        "unless `assistant serve --allow-anonymous`.",
    )
