"""Document metadata: from `corpus/manifest.json` where given, derived from the text otherwise.

The manifest maps file names to title, publisher, date (ISO) and kind. A file dropped into
the corpus without an entry takes what its own metadata says (PDF info, DOCX core properties,
HTML meta tags), else a title from its first headline-like line and a date from the first full
date in its text; what cannot be derived is left empty, never invented.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.dates import first_written_date
from ingest.documents import DocumentMeta
from ingest.furniture import Block

MANIFEST_NAME = "manifest.json"
_MAX_TITLE_CHARS = 150


class ManifestError(Exception):
    """The manifest exists but cannot be used; the message says where it is wrong."""


def read_manifest(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """Entries of the corpus manifest by file name; empty when there is no manifest."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: DocumentMeta(
                title=str(entry.get("title", "")),
                publisher=str(entry.get("publisher", "")),
                date=str(entry.get("date", "")),
                kind=str(entry.get("kind", "")),
            )
            for name, entry in raw["documents"].items()
        }
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as error:
        raise ManifestError(f"{path}: {error}") from None


def derive_meta(
    text: str, blocks: list[Block], given: DocumentMeta | None, own: DocumentMeta | None = None
) -> DocumentMeta:
    """Fill what the manifest does not say from the file's own metadata (PDF info, DOCX core
    properties, HTML meta tags), then from the text itself."""
    given = given or DocumentMeta()
    own = own or DocumentMeta()
    return DocumentMeta(
        title=given.title or own.title or derive_title(text, blocks),
        publisher=given.publisher or own.publisher,
        date=given.date or own.date or first_written_date(text),
        kind=given.kind or own.kind,
    )


def derive_title(text: str, blocks: list[Block]) -> str:
    """The first content line short enough to be a headline."""
    for block in blocks:
        line = text[block.start : block.end].lstrip("# ").strip()
        if line and len(line) <= _MAX_TITLE_CHARS:
            return line
    return ""
