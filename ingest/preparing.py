"""Prepare one corpus file for the index: read → load → clean → split, and fingerprint it.

A file becomes a `PreparedFile`: its `Document`, its passages (with their section headings) and
the fingerprint that says whether the index already holds this version. Work is bounded by
`FileLimits`: a file with more passages than the limit is refused as soon as splitting passes it.

Does not embed, write to the store or decide which files to skip; the pipeline does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import schema
from ingest.documents import Document, Passage
from ingest.furniture import Block, content_blocks
from ingest.loaders import LoadError, LoadOptions, load_document
from ingest.manifest import derive_meta
from ingest.progress import FileProgress
from ingest.sections import annotate
from ingest.splitter import iter_passages

_SPLIT_STEP = 256  # passages between two looks at the clock while splitting


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost: bytes read, bytes a .docx inflates to, passages."""

    max_file_bytes: int
    max_inflated_bytes: int
    max_passages: int

    def key(self) -> tuple[int, ...]:
        """The limits as part of a file's source key: a file is read again when they change."""
        return (self.max_file_bytes, self.max_inflated_bytes, self.max_passages)


@dataclass(frozen=True)
class PreparedFile:
    """One file ready to embed: its document and passages, the fingerprint of this version, and a
    digest of its text (two files with the same text are indexed once)."""

    document: Document
    passages: list[Passage]
    fingerprint: str
    text_digest: str
    source: str
    notes: tuple[str, ...] = ()


def prepare_file(
    name: str,
    path: Path,
    data: bytes,
    source: str,
    given: Any,
    limits: FileLimits,
    vectors_by: str,
    lines: FileProgress,
) -> PreparedFile:
    """Load, clean and split the file at `path` (corpus name `name`, bytes `data` as
    `scanning.read_file` read them, their `schema.source_key` `source`, manifest entry `given`).
    Raises `LoadError` (or whatever loading raised) when the file cannot be ingested."""
    lines.step("reading", name, 0, 0, "pages")

    def on_page(done: int, total: int) -> None:
        lines.step("reading", name, done, total, "pages")

    extracted = load_document(path, data, LoadOptions(limits.max_inflated_bytes, on_page))
    text = extracted.text
    # Headings are the passages' context (their section), not passages; furniture is neither.
    skip = [*extracted.furniture, *((h.start, h.end) for h in extracted.headings)]
    blocks = content_blocks(text, skip, wrapped=extracted.wrapped, kept=extracted.kept)
    meta = derive_meta(text, blocks, given, extracted.meta)
    document = Document(name, text, meta, extracted.encoding, extracted.pages)
    passages = _split(name, text, blocks, limits.max_passages, lines)
    passages = list(annotate(passages, document, extracted.headings))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    fingerprint = schema.fingerprint(data, meta, vectors_by)
    return PreparedFile(document, passages, fingerprint, digest, source, extracted.notes)


def _too_many_passages(limit: int) -> str:
    return (
        f"too many passages: more than {limit:,}, the limit per file (ASSISTANT_MAX_PASSAGES_PER_FILE); "
        "split the file or raise the limit"
    )


def _split(name: str, text: str, blocks: list[Block], limit: int, lines: FileProgress) -> list[Passage]:
    """The file's passages, refused as soon as there are more than `limit` (nothing more is split)."""
    passages: list[Passage] = []
    lines.step("splitting", name, 0, len(text), "characters")
    for passage in iter_passages(name, text, blocks):
        passages.append(passage)
        if len(passages) > limit:
            raise LoadError(_too_many_passages(limit))
        if len(passages) % _SPLIT_STEP == 0:
            lines.step("splitting", name, passage.end, len(text), "characters")
    return passages
