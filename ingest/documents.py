"""Values that cross the ingest/assistant boundary: documents and their passages.

A passage never copies text it cannot trace back: `document.text[start:end] == text`
holds for every passage made here, which is what lets citations be verified later.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    """What the manifest (or the text itself) says about a document."""

    title: str = ""
    publisher: str = ""
    date: str = ""  # ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD) or empty when unknown
    kind: str = ""


@dataclass(frozen=True)
class Document:
    """One corpus file as ingested; `id` is its file name, `text` the exact text spans refer to."""

    id: str
    text: str
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    encoding: str = "utf-8"
    pages: tuple[int, ...] = ()  # offset where page n starts is pages[n - 1]; () when not paged

    @property
    def title(self) -> str:
        return self.meta.title or self.id

    def page_at(self, offset: int) -> int:
        """The page (from 1) holding `offset`, or 0 when the document has no pages."""
        return bisect_right(self.pages, offset) if self.pages else 0


@dataclass(frozen=True)
class Passage:
    """A citable slice of a document: `text == document.text[start:end]`."""

    document_id: str
    start: int
    end: int
    text: str
    page: int = 0  # the page it is on (from 1); 0 when the document has no pages
    section: str = ""  # the headings it sits under, outermost first: "3. Leadership › 3.2 Workforce"
