"""One settings object for the whole product, read from `ASSISTANT_*` environment variables.

Built once at the edge (CLI, app start, test fixture) and passed down; nothing reads the
environment at import time. The defaults run the embedded index on the bundled corpus with
no configuration at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ingest.embedder import DEFAULT_CACHE_DIR, DEFAULT_ENCODER, ENCODERS
from ingest.loaders import DEFAULT_MAX_INFLATED_BYTES
from ingest.progress import DEFAULT_PROGRESS_INTERVAL_S
from ingest.splitter import DEFAULT_MAX_PASSAGES_PER_FILE

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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
    off_topic_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Off-topic probability from which a question from another field is refused; "
        "unset: fitted.",
    )
    parse_cache_size: int = Field(20_000, ge=1, description="Parsed sentences kept in memory.")


class LlmSettings(BaseModel):
    """The language model that may write answers; `ASSISTANT_LLM_<FIELD>` (or `ASSISTANT_LLM__<FIELD>`).

    Off unless `base_url` is set: the extractive answerer is the default and the fallback.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)  # see Settings

    @field_validator("base_url", "api_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """`ASSISTANT_LLM_BASE_URL=` (set but empty) means no model, as leaving it out does."""
        return None if isinstance(value, str) and not value.strip() else value

    base_url: str | None = Field(
        None,
        pattern=r"^https?://\S+$",
        description="An OpenAI-compatible endpoint, e.g. http://127.0.0.1:8081/v1 (`make llm`), "
        "http://127.0.0.1:11434/v1 (Ollama) or https://RESOURCE.openai.azure.com/openai/v1/ (Azure "
        "OpenAI). Unset: no generative answers.",
    )
    model: str = Field(
        "smollm2", min_length=1, description="Model (Ollama tag, Azure deployment name) to ask for."
    )
    api_key: SecretStr | None = Field(
        None, description="Sent as the bearer token; never logged, printed or put in an error."
    )
    timeout_s: float = Field(
        60.0, gt=0, description="Seconds to wait for the model's answer before giving the extractive one."
    )
    max_tokens: int = Field(256, ge=16, description="Most tokens the model may write for one answer.")
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature; 0 for repeatable answers.")
    context_window: int = Field(4096, ge=512, description="The model's context in tokens (LlamaIndex asks).")
    passages: int = Field(5, ge=1, le=20, description="Retrieved passages given to the model, numbered.")
    context_sentences: int = Field(
        1,
        ge=0,
        le=5,
        description="Sentences before and after each retrieved sentence that its passage holds.",
    )
    max_sentences: int = Field(4, ge=1, description="Sentences the model is asked to write at most.")
    support_threshold: float = Field(
        0.85,
        ge=0,
        le=1,
        description="Share of a sentence's content words that one sentence of a cited passage must contain "
        "(stemmed): the lowest value at which none of the unsupported sentences of "
        "tests/data/generative_support.jsonl is shown (`python -m assistant.generative.calibrate`).",
    )
    respect_refusal: bool = Field(
        True,
        description="When the extractive answerer finds the reports do not cover a question, that refusal "
        "stands and the model is not asked (supported sentences near the question still mislead).",
    )
    chat_mode: str = Field(
        "extractive",
        pattern="^(extractive|generative)$",
        description="Where the chat's switch starts when a model is configured: extractive (quoted from "
        "the reports) or generative (written by the model, every sentence checked).",
    )


class Settings(BaseSettings):
    """Deployment knobs and retrieval/answering parameters, each documented by its field."""

    # hide_input_in_errors: a rejected value is not echoed (it may be the LLM's key or a URL with one).
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="forbid", env_nested_delimiter="__", hide_input_in_errors=True
    )

    answering: AnsweringSettings = Field(
        default_factory=AnsweringSettings, description="How answers are chosen."
    )
    llm: LlmSettings = Field(
        default_factory=LlmSettings, description="The language model for generative answers (off by default)."
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
    # Ingest: work and memory per file (decompression bombs, huge files, progress).
    max_inflated_bytes: int = Field(
        DEFAULT_MAX_INFLATED_BYTES,
        ge=1,
        description="A .docx whose ZIP entries would inflate to more than this is skipped unopened "
        "(a decompression bomb).",
    )
    max_passages_per_file: int = Field(
        DEFAULT_MAX_PASSAGES_PER_FILE,
        ge=1,
        description="A file that splits into more passages is skipped (splitting stops there) rather "
        "than embedded for hours.",
    )
    progress_interval_s: float = Field(
        DEFAULT_PROGRESS_INTERVAL_S,
        ge=0,
        description="A file that takes longer than this to read, split or embed prints a progress line "
        "(to standard error, also with --json) this often; 0 prints every step.",
    )
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
        "lengthening the tail (bench/load.py).",
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
    anonymous_maintainer: bool = Field(
        False,
        description="Without a users file, the chat used from this machine (a loopback client) may add "
        "and remove documents in its Documents tab. Off: anonymous use may only ask. With a users "
        "file, only users with the maintainer role may (`assistant users add NAME --role maintainer`).",
    )
    session_max_age_s: float = Field(
        12 * 3600,
        gt=0,
        description="A login session ends this many seconds after the login; it ends at once when its "
        "user is removed or the password changes.",
    )
    sessions_per_user: int = Field(
        20, ge=1, description="Login sessions one user may hold; a newer login ends the oldest."
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed logins for one name from one client address, within the window, that lock "
        "that name out for that address (other addresses are unaffected).",
    )
    login_client_max_failures: int = Field(
        20,
        ge=1,
        description="Failed logins from one client address within the window, whatever the names, that "
        "lock that address out of every name.",
    )
    login_window_s: float = Field(60.0, gt=0, description="The window failed logins are counted in.")
    login_lockout_s: float = Field(
        60.0, gt=0, description="The first lockout; each further one in a row doubles it."
    )
    login_max_lockout_s: float = Field(3600.0, gt=0, description="The longest a lockout grows to.")
    login_limiter_keys: int = Field(
        10_000,
        ge=1,
        description="Client addresses and names remembered for the login limits; the least recently "
        "failed are forgotten first, so memory stays bounded.",
    )
    max_password_chars: int = Field(
        1024, ge=8, description="Longer passwords are refused before they are hashed."
    )
    max_request_bytes: int = Field(
        2_000_000,
        ge=1024,
        description="Largest request body on any route of the served chat; larger ones get 413 before "
        "they are read.",
    )
    max_login_bytes: int = Field(
        16_384, ge=1024, description="Largest body of a login request (a name and a password)."
    )

    # The chat in the browser: the conversation it keeps across reloads.
    conversation_max_turns: int = Field(
        100,
        ge=1,
        description="Questions a conversation kept in the browser holds; older ones leave the saved "
        "conversation (and its briefing) first. Bounds what every chat request carries.",
    )

    # serving: UI wording. What the chat calls the collection; the defaults describe the bundled corpus.
    ui_title: str = Field(
        "Powys children's services reports",
        description="The chat's title: the browser tab's and the heading of the page.",
    )
    ui_intro: str = Field(
        "Ask a question about the public reports (2017–2025). Every answer is built from the reports' "
        "own sentences and cites them; when the reports do not say, the assistant says so.",
        description="The paragraph under the title (Markdown).",
    )
    ui_examples: list[str] = Field(
        default_factory=lambda: [
            "Who carried out the 2025 report?",
            "How many recommendations does the assurance report make?",
            "What did inspectors find in October 2018?",
        ],
        description="Example questions, one button each, shown while the conversation is empty "
        "(in the environment, a JSON list of strings).",
    )
    ui_question_placeholder: str = Field(
        "Ask a question, e.g. Who carried out the 2025 report?",
        description="The grey text in the empty question box.",
    )
    ui_login_message: str = Field(
        "Log in to ask about the Powys children's services reports.",
        description="The message on the login page (with a users file).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, plus `ASSISTANT_LLM_BASE_URL` & co. (the documented short names)."""
        return (
            init_settings,
            env_settings,
            _LlmShortNames(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )


class _LlmShortNames(PydanticBaseSettingsSource):
    """`ASSISTANT_LLM_<FIELD>` read into the `llm` section, below `ASSISTANT_LLM__<FIELD>` in priority.

    The nested form is what `env_nested_delimiter` gives every section; the single-underscore form
    is what deployment guides (and the issue) name, so both work.
    """

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            name: os.environ[variable]
            for name in LlmSettings.model_fields
            if (variable := f"ASSISTANT_LLM_{name.upper()}") in os.environ
        }
        return {"llm": found} if found else {}
