"""The Filters accordion's values (documents ticked, dates typed) as the `Filters` of a question.

Also the form a saved conversation keeps them in, and the words an answer shows for them.
"""

from __future__ import annotations

from typing import Any

from assistant.core.filters import Filters
from assistant.core.questions import InvalidQuestion
from ingest.dates import filter_day


def parse_date(value: str, *, end: bool) -> str:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" as a full ISO day: the first day, or the last when `end`."""
    try:
        return filter_day(value, end=end)
    except ValueError:  # not a date, a month 13 or a 30th of February
        raise InvalidQuestion(f"“{value.strip()}” is not a date: use YYYY or YYYY-MM-DD.") from None


def saved_controls(chosen: list[str] | None, date_from: str, date_to: str, mode: str = "") -> dict[str, Any]:
    """The filter controls' values and the answer mode, in the form a saved conversation keeps them."""
    return {"chosen": list(chosen or []), "from": date_from, "to": date_to, "mode": mode}


def make_filters(all_documents: list[str], chosen: list[str] | None, date_from: str, date_to: str) -> Filters:
    """The UI's filter controls as `Filters`; every document chosen means no document filter."""
    chosen = list(chosen or [])
    if not chosen:
        raise InvalidQuestion("Choose at least one document under Filters.")
    documents = () if set(chosen) >= set(all_documents) else tuple(d for d in all_documents if d in chosen)
    start, stop = parse_date(date_from, end=False), parse_date(date_to, end=True)
    if start and stop and start > stop:
        raise InvalidQuestion("The “from” date is after the “to” date.")
    return Filters(documents=documents, date_from=start, date_to=stop)


def describe_filters(filters: Filters, total: int) -> str:
    """What the filters leave, in words, or "" when they are off.
    Example: "1 of 5 documents, from 2018-01-01"."""
    parts = []
    if filters.documents:
        parts.append(f"{len(filters.documents)} of {total} document{'s' if total != 1 else ''}")
    if filters.date_from:
        parts.append(f"from {filters.date_from}")
    if filters.date_to:
        parts.append(f"to {filters.date_to}")
    return ", ".join(parts)
