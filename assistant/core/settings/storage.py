"""Where the documents, the index and local data live, how passages are embedded, and the bounds
the ingest keeps per file. Short environment names: `ASSISTANT_<FIELD>` (see `Settings`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.settings.paths import PROJECT_ROOT
from ingest.embedder import DEFAULT_CACHE_DIR, DEFAULT_ENCODER, ENCODERS
from ingest.loaders import DEFAULT_MAX_INFLATED_BYTES
from ingest.progress import DEFAULT_PROGRESS_INTERVAL_S
from ingest.splitter import DEFAULT_MAX_PASSAGES_PER_FILE


class IndexSettings(BaseModel):
    """The corpus folder, the index (embedded, or a Chroma server) and local data."""

    model_config = ConfigDict(extra="forbid")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder of source documents.")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Embedded ChromaDB store.")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Feedback and other local data.")
    cache_dir: Path | None = Field(
        None,
        description="Files a chat process starts from instead of reading and building everything "
        "again: each document version's passage vectors and parses (made at ingest), the keyword "
        "index and vocabulary of the current version (also with a Chroma server; deleting them "
        "loses nothing). `index_dir` if unset.",
    )
    chroma_host: str | None = Field(None, description="Chroma server host; embedded store if unset.")
    chroma_port: int = Field(8000, description="Chroma server port.")

    @property
    def vector_files(self) -> Path:
        """Where each document version's vectors are kept (`ingest.vector_files`)."""
        return (self.cache_dir or self.index_dir) / "vectors"

    @property
    def parse_files(self) -> Path:
        """Where each document version's passages are kept parsed (`assistant.core.parse_files`)."""
        return (self.cache_dir or self.index_dir) / "parses"

    @property
    def derived_files(self) -> Path:
        """Where the keyword index and vocabulary are kept (`assistant.core.derived_files`)."""
        return (self.cache_dir or self.index_dir) / "derived"


class EmbeddingSettings(BaseModel):
    """The sentence encoder that embeds passages at ingest and questions at answer time."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        DEFAULT_ENCODER,
        pattern=f"^({'|'.join(ENCODERS)})$",
        description="onnx-int8: the model exported locally to int8 ONNX (faster, no torch at answer "
        "time); torch: sentence-transformers on PyTorch. Changing it re-embeds the corpus. "
        "Environment: ASSISTANT_ENCODER.",
    )
    model_path: Path | None = Field(
        None, description="Sentence-transformers model folder; the bundled MiniLM if unset."
    )
    encoder_cache_dir: Path = Field(DEFAULT_CACHE_DIR, description="Where the int8 ONNX export is kept.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per encoder batch.")
    query_threads: int = Field(
        1,
        ge=1,
        description="Encoder threads for answering. One question is a tiny batch: on 2 cores one thread "
        "answers as fast alone and far faster under load than threads contending for the cores.",
    )


class IngestSettings(BaseModel):
    """Work and memory per file (decompression bombs, huge files), batching and progress."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(20_000_000, ge=1, description="Larger corpus files are skipped.")
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
    write_batch_size: int = Field(2048, ge=1, description="Passages per Chroma write.")
    embed_group_size: int = Field(
        1024, ge=1, description="Passages of several small files embedded in one encoder call."
    )
