"""One settings object for the whole product, in sections, read from `ASSISTANT_*` environment
variables.

Built once at the edge (CLI, app start, test fixture) and passed down; nothing reads the
environment at import time. The defaults run the embedded index on the bundled corpus with no
configuration at all.

Every field can be set as `ASSISTANT_<SECTION>__<FIELD>` (`ASSISTANT_SERVING__USERS_FILE`). The
sections a deployment sets most keep their short names, which the README documents:
`ASSISTANT_<FIELD>` for index, embedding, ingest, retrieval and serving (`ASSISTANT_USERS_FILE`,
`ASSISTANT_ENCODER` for `embedding.kind`, `ASSISTANT_RETRIEVAL_MODE` for `retrieval.mode`) and
`ASSISTANT_LLM_<FIELD>` for the language model. The nested form wins when both are set.

Below the environment, a settings file holds what describes one deployment's collection (the
chat's title, example questions, what answers call the documents): `assistant.toml` at the
project root for the bundled reports, or the file `ASSISTANT_SETTINGS_FILE` names ("" for none).
Code keeps only neutral defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.core.settings.answering import AnsweringSettings, RetrievalSettings
from assistant.core.settings.generation import LlmSettings
from assistant.core.settings.paths import PROJECT_ROOT
from assistant.core.settings.serving import ServingSettings
from assistant.core.settings.storage import EmbeddingSettings, IndexSettings, IngestSettings


class Settings(BaseSettings):
    """Deployment knobs and retrieval/answering parameters, by section, each field documented."""

    # hide_input_in_errors: a rejected value is not echoed (it may be the LLM's key or a URL with one).
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="forbid", env_nested_delimiter="__", hide_input_in_errors=True
    )

    index: IndexSettings = Field(
        default_factory=IndexSettings, description="Where the corpus, the index and local data live."
    )
    embedding: EmbeddingSettings = Field(
        default_factory=EmbeddingSettings, description="The sentence encoder of passages and questions."
    )
    ingest: IngestSettings = Field(
        default_factory=IngestSettings, description="Bounds and batching of the ingest, per file."
    )
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description="Keyword and dense search, fused."
    )
    answering: AnsweringSettings = Field(
        default_factory=AnsweringSettings, description="How answers are chosen."
    )
    llm: LlmSettings = Field(
        default_factory=LlmSettings, description="The language model for generative answers (off by default)."
    )
    serving: ServingSettings = Field(
        default_factory=ServingSettings, description="The served chat: load, logins, limits, wording."
    )

    def updated(self, **sections: dict[str, Any]) -> Self:
        """A copy with some fields of some sections changed and checked again:
        `settings.updated(index={"index_dir": path}, serving={"users_file": None})`."""
        changes = {name: {**getattr(self, name).model_dump(), **fields} for name, fields in sections.items()}
        return self.model_copy(
            update={
                name: type(getattr(self, name)).model_validate(values) for name, values in changes.items()
            }
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
        """The usual sources, the documented short names below the nested ones, then the settings file."""
        path = os.environ.get("ASSISTANT_SETTINGS_FILE", str(PROJECT_ROOT / "assistant.toml"))
        from_file = (TomlConfigSettingsSource(settings_cls, toml_file=Path(path)),) if path else ()
        return (
            init_settings,
            env_settings,
            _ShortNames(settings_cls),
            *from_file,
            dotenv_settings,
            file_secret_settings,
        )


# Sections whose fields are read from `ASSISTANT_<FIELD>` too, and the fields whose short name is
# not their own (the name they had before settings had sections).
_SHORT_SECTIONS = ("index", "embedding", "ingest", "retrieval", "serving")
_SHORT_NAME_OF = {("embedding", "kind"): "encoder", ("retrieval", "mode"): "retrieval_mode"}
_LLM_PREFIX = "ASSISTANT_LLM_"


def short_names() -> dict[str, tuple[str, str]]:
    """Every short name (`users_file`, `encoder`) and the (section, field) it sets: the environment
    reads it as `ASSISTANT_<NAME>`, the CLI's options by their own names."""
    names: dict[str, tuple[str, str]] = {}
    for section in _SHORT_SECTIONS:
        model: type[BaseModel] = Settings.model_fields[section].annotation  # type: ignore[assignment]
        for field in model.model_fields:
            names[_SHORT_NAME_OF.get((section, field), field)] = (section, field)
    return names


def from_short_names(**values: Any) -> dict[str, Any]:
    """Values given by short name, in sections: `Settings(**from_short_names(index_dir=path))`."""
    sections: dict[str, dict[str, Any]] = {}
    where = short_names()
    for name, value in values.items():
        section, field = where[name]
        sections.setdefault(section, {})[field] = value
    return sections


class _ShortNames(PydanticBaseSettingsSource):
    """The short names read into their sections, below `ASSISTANT_<SECTION>__<FIELD>` in priority."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = from_short_names(
            **{
                name: os.environ[variable]
                for name in short_names()
                if (variable := f"ASSISTANT_{name.upper()}") in os.environ
            }
        )
        llm = {
            name: os.environ[variable]
            for name in LlmSettings.model_fields
            if (variable := f"{_LLM_PREFIX}{name.upper()}") in os.environ
        }
        return {**found, "llm": llm} if llm else found
