"""Dates, in one place: reading them from documents' metadata and text, and the span of days an
ISO date at any precision covers.

Documents carry dates at the precision their source gives ("2018", "2018-03", "2018-03-14");
nothing here invents a day or month the source did not state, except where a span needs its
first or last day (the chat's date filters).
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\b")
_WORDY_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+((?:19|20)\d{2})\b")
_ISO_PREFIX = re.compile(r"((?:19|20)\d{2})(?:-(\d{2}))?(?:-(\d{2}))?")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")
_ISO_ANY_PRECISION = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def iso_day(year: int, month: int, day: int) -> str:
    """The ISO day, or "" when there is no such day (a month 13, a 30th of February)."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def first_written_date(text: str) -> str:
    """The first full date written in the text ("14 March 2018", "14/03/2018": day, month, year
    order), as an ISO day; "" when there is none."""
    candidates: list[tuple[int, str]] = []
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        candidates.append((match.start(), iso_day(year, month, day)))
    for match in _WORDY_DATE.finditer(text):
        month = MONTHS.get(match.group(2).lower(), 0)
        candidates.append((match.start(), iso_day(int(match.group(3)), month, int(match.group(1)))))
    valid = sorted((position, iso) for position, iso in candidates if iso)
    return valid[0][1] if valid else ""


def iso_prefix(value: str) -> str:
    """The ISO date a timestamp starts with, at the precision it gives: "2024-03-14T09:00:00Z" ->
    "2024-03-14"; "2024" -> "2024"; "" when it does not start with a year."""
    match = _ISO_PREFIX.match(value)
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)


def pdf_date(value: str) -> str:
    """A PDF info dictionary's date ("D:20180314093000Z") as an ISO day; a missing month or day is
    the first; "" when it is not a valid date."""
    match = _PDF_DATE.match(value)
    if not match:
        return ""
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return iso_day(year, month, day)


def date_span(date: str) -> tuple[str, str]:
    """The first and last day an ISO date at any precision covers: "2018" -> 2018-01-01, 2018-12-31."""
    if len(date) == 4:
        return f"{date}-01-01", f"{date}-12-31"
    if len(date) == 7:
        year, month = int(date[:4]), int(date[5:7])
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return f"{date}-01", (following - dt.timedelta(days=1)).isoformat()
    return date, date


def filter_day(value: str, *, end: bool) -> str:
    """A date filter's "YYYY", "YYYY-MM" or "YYYY-MM-DD" as a full ISO day: its first day, or its
    last when `end`; "" for an empty value. Raises ValueError for anything else."""
    value = (value or "").strip()
    if not value:
        return ""
    if not _ISO_ANY_PRECISION.match(value):
        raise ValueError(value)
    first, last = (dt.date.fromisoformat(day).isoformat() for day in date_span(value))
    return last if end else first
