"""What a date must be to answer a "when" question: not vague where a day is asked, on the right
side of the time the question names ("after the October 2018 visit"), a date rather than a length
of time where a past event is asked about.

Pattern-based like `entities`: these run on every candidate phrase of every "when" question.
"""

from __future__ import annotations

import re

from assistant import entities
from assistant.questions import DURATION

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# "When did ...?", "What date ...?": a past event, answered by when it happened.
ASKS_PAST = re.compile(r"\bwhen (?:did|was|were|had)\b|\b(?:what|which) date\b", re.IGNORECASE)
# "On what date ...?", "Which day ...?": a day, or at least a month, is asked for.
ASKS_CALENDAR = re.compile(r"\b(?:what|which) (?:date|day)\b", re.IGNORECASE)
_ASKED_TIME = re.compile(
    rf"\b(?P<side>after|since|following|before)\s+(?:the\s+|its\s+)?(?:(?P<month>{entities.MONTH})\s+)?"
    r"(?P<year>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)


def is_duration(phrase: str) -> bool:
    """Example: "six months" -> True; "October 2018" -> False."""
    return entities.find(DURATION, phrase) == [phrase]


def is_vague(phrase: str) -> bool:
    """Too vague for "on what date": a duration or a bare year. Example: "six months", "2017" -> True."""
    return is_duration(phrase) or _YEAR.fullmatch(phrase) is not None


def outside_asked_time(phrase: str, question: str) -> bool:
    """A dated phrase on the wrong side of the time a question asks about what came after (or before).

    Example: ("July 2017", "When will they return after the October 2018 visit?") -> True;
    ("12-18 months", same) -> False (it has no year); ("October 2018", "... after the 2018 report?")
    -> True (the question's time is the year as a whole); ("October 2018", "When was the first
    inspection, before the 2018 follow-up?") -> True.
    """
    bound = _ASKED_TIME.search(question)
    year = _YEAR.search(phrase)
    if bound is None or year is None:
        return False
    month = re.search(entities.MONTH, phrase)
    if bound.group("side").lower() == "before":
        asked = (int(bound.group("year")), _month_number(bound.group("month")) or 1)
        return (int(year.group(0)), _month_number(month.group(0)) if month else 1) >= asked
    asked = (int(bound.group("year")), _month_number(bound.group("month")) or 12)
    return (int(year.group(0)), _month_number(month.group(0)) if month else 12) <= asked


def _month_number(name: str | None) -> int:
    """Example: "October" -> 10, "Sept" -> 9, None -> 0."""
    return next((i + 1 for i, m in enumerate(_MONTHS) if name and name[:3].lower() == m), 0)
