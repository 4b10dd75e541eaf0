"""Make numbered citations and refuse to make one that is not word for word in its source.

This is the last gate before an answer leaves the assistant: a quote is emitted only when
it equals the document text at its recorded span.
"""

from __future__ import annotations

from assistant.core.answers import Citation
from assistant.core.library import IndexedPassage, Library


class CitationError(Exception):
    """A quote did not match its source span; the answer must not be shown."""


def cite(library: Library, passages: list[IndexedPassage]) -> list[Citation]:
    """Citations numbered from 1 in the order given, each verified against its document."""
    citations: list[Citation] = []
    for n, item in enumerate(passages, start=1):
        p = item.passage
        if not library.verify(p.document_id, p.start, p.end, p.text):
            raise CitationError(f"quote of {p.document_id} [{p.start}:{p.end}] is not in the source")
        title = library.title(p.document_id)
        citations.append(Citation(n, p.document_id, title, p.text, p.start, p.end, p.page or None, p.section))
    return citations
