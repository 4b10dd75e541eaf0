"""Spot the kinds of thing a short answer can be: names, dates, durations and figures.

Pattern-based on purpose: it runs on every candidate sentence of every question, must be
fast and predictable, and only has to say whether a sentence *could* answer "who",
"when" or "how many", and which words would.
"""

from __future__ import annotations

import re

from assistant.questions import DATE, DURATION, MONEY, NAME, NUMBER, PROPER_NAME

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty"
    r"|thirty|forty|fifty|hundred|thousand|million|dozen|half|double|doubled|tripled|trebled"
    r"|quadrupled)"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    DATE: re.compile(
        rf"\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}(?:\s+(?:19|20)\d{{2}})?"
        rf"|\b{MONTH}\s+\d{{1,2}}\b|\b{MONTH}(?:\s+(?:19|20)\d{{2}})?\b|\b{_WEEKDAY}\b"
        rf"|\b(?:19|20)\d{{2}}\b|\byear[- ]end\b"
        r"|\b(?:(?:later|earlier) this|this|next|last) (?:week|month|year|spring|summer|autumn|winter)\b"
    ),
    DURATION: re.compile(
        rf"\b(?:\d+(?:[-–]\d+)?|{_NUMBER_WORD})\s+(?:working\s+)?(?:days?|weeks?|months?|years?)\b"
        r"|\b(?:quarterly|annually|monthly|weekly|daily|yearly)\b|\bon a \w+ basis\b",
        re.IGNORECASE,
    ),
    NUMBER: re.compile(
        rf"£\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?\b|\b\d[\d,.]*%|(?<![\d/:.])(?<![A-Za-z]-)\b(?!(?:19|20)\d{{2}}\b)\d+(?:[,.]\d+)*\b(?![/:]\d)"
        rf"|\b{_NUMBER_WORD}\b",
        re.IGNORECASE,
    ),
}
MULTIPLIERS = frozenset({"half", "double", "doubled", "tripled", "trebled", "quadrupled"})
_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?|[A-Z]{2,})"
_NAME = re.compile(
    rf"\b(?:(?:Mr|Mrs|Ms|Dr|Cllr|Councillor|Professor|Sir)\.?\s+)?{_NAME_WORD}"
    rf"(?:\s+(?:of\s+|for\s+|and\s+)?{_NAME_WORD})+"
)
# A one-word name in brackets: "Cllr Amanda Jenner (Conservative)", "Care Inspectorate Wales (CIW)".
_BRACKETED_NAME = re.compile(rf"\(({_NAME_WORD})\)")
_ORGANISATION_WORDS = frozenset(
    "Council County Service Services Inspectorate Wales Welsh Association Board Committee Government"
    " Authority Department Team Trust Organisations Organisation Partnership Agency Society Union Party"
    " Cabinet Assembly Parliament Office Group Network".split()
)
_CONNECTOR = re.compile(r"\s(?:of|for|and)\s")  # "Director of Social Care" is a role, not a name
_MONEY = re.compile(
    r"[£$€]\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?\b|\b\d[\d,.]*\s?(?:million|billion|pounds)\b"
)
_PERSON_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Cllr|Councillor|Professor|Sir)\.?\s+")


def is_organisation(name: str) -> bool:
    """A name of a body, a place or an office rather than of a person: "he" or "she" is not it.

    Example: "Powys Children’s Services", "CIW", "Vale of Glamorgan" -> True; "Rosemarie Harris" -> False.
    """
    return (
        name.isupper()  # an acronym
        or _CONNECTOR.search(f" {name} ") is not None
        or any(word in _ORGANISATION_WORDS for word in name.split())
    )


def full_name(surname: str, text: str) -> str:
    """The first "Firstname Surname" in `text` for a bare surname, else "".

    Example: full_name("Harris", "Council leader Rosemarie Harris said ...") -> "Rosemarie Harris".
    """
    if not re.fullmatch(_NAME_WORD, surname):
        return ""
    titles = r"(?!(?:Mr|Mrs|Ms|Dr|Cllr|Councillor|Professor|Sir)\b)"
    match = re.search(rf"\b{titles}([A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?)\s+{re.escape(surname)}\b", text)
    return f"{match.group(1)} {surname}" if match else ""


def find(kind: str, text: str) -> list[str]:
    """All phrases of `kind` in `text`, in order.

    Example: find("name", "by Steve Walker, a") -> ["Steve Walker"].
    """
    if kind == PROPER_NAME:
        names = find(NAME, text)
        return [name for name in names if _CONNECTOR.search(name) is None and len(name.split()) <= 4]
    if kind == MONEY:
        return [m.group(0) for m in _MONEY.finditer(text)]
    if kind == NAME:
        found = [
            (m.start(), _PERSON_TITLE.sub("", m.group(0)))
            for m in _NAME.finditer(text)
            if m.start() > 0 or " " in m.group(0)
        ]
        found += [(m.start(1), m.group(1)) for m in _BRACKETED_NAME.finditer(text)]
        return [name for _, name in sorted(found)]
    if kind == DATE:
        return [m.group(0) for m in _PATTERNS[DATE].finditer(text)] + find(DURATION, text)
    pattern = _PATTERNS.get(kind)
    return [m.group(0) for m in pattern.finditer(text)] if pattern else []
