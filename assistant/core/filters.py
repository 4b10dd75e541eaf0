"""Restricting an answer to some documents and/or a date range.

`allowed_documents` turns `Filters` into the set of document ids retrieval may return, comparing
dates at the precision each document has.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.library import Library
from ingest.dates import date_span


@dataclass(frozen=True)
class Filters:
    """Restrict an answer to some documents and/or a date range (ISO dates, inclusive)."""

    documents: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""


def allowed_documents(library: Library, filters: Filters | None) -> set[str] | None:
    """The ids of the documents `filters` allow, or None when they restrict nothing."""
    if filters is None or not (filters.documents or filters.date_from or filters.date_to):
        return None
    allowed = set(filters.documents or library.documents)
    return {d for d in allowed if _in_range(library, d, filters.date_from, filters.date_to)}


def _in_range(library: Library, document_id: str, date_from: str, date_to: str) -> bool:
    """Compare ISO dates at the precision the document has (a year-only date spans its year)."""
    document = library.documents.get(document_id)
    if document is None:
        return False
    date = document.meta.date
    if not date:
        return not (date_from or date_to)
    first, last = date_span(date)
    return (not date_from or last >= date_from) and (not date_to or first <= date_to)
