"""The language model that may write answers (off unless configured)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


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
