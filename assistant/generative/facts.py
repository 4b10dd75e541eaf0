"""The checkable facts of a sentence: figures (amounts, percentages, dates, counts) and names.

A generated sentence may only state a figure or a name that its quotes state too. Figures are
compared by value, so the ways a report and a model write the same figure agree:
"£12m" = "£12 million" = "£12,000,000", "18" = "eighteen", "18%" = "18 per cent".
Names are the words the English pipeline tags as proper nouns or named entities, and every
capitalised word after a sentence's first; they are compared case-folded, word by word.

Does not judge whether a sentence's content is supported (see `support`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.answering.language import Parsed
from assistant.core import terms

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen"
).split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
_TENS["ninety"] = 90
_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
).split()
# "one" is left out: "one of the", "one weekend" (for "a single weekend") are rarely a count.
_WORD_VALUES = {w: float(i) for i, w in enumerate(_UNITS) if w != "one"} | {
    k: float(v) for k, v in _TENS.items()
}
_WORD_VALUES |= {w: float(i) for i, w in enumerate(_ORDINALS) if i}
_WORD_VALUES["hundred"] = 100.0
_SCALE = r"(?:\s?(?P<scale>thousand|million|billion|bn|mn|m|k)\b)?"
_PERCENT = r"(?P<pct>\s?%|\s?per\s?cent\b|\s?percent\b)?"
_DIGITS = re.compile(
    r"(?<![\w.])(?:[£$€]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:st|nd|rd|th)?"
    + _SCALE
    + _PERCENT,
    re.IGNORECASE,
)
_NUMBER_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_WORDS = re.compile(
    rf"\b(?P<words>(?:{'|'.join(_TENS)})[-\s](?:{'|'.join(_UNITS[1:10])})|{_NUMBER_WORD})\b{_SCALE}{_PERCENT}",
    re.IGNORECASE,
)
# Entity kinds that name a person, organisation, place or the like (spaCy's labels).
NAME_ENTITIES = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "EVENT", "LAW", "PRODUCT"})
_NOT_NAMES = frozenset({"i", "a", "an", "the"})


@dataclass(frozen=True)
class Figure:
    """A figure as written and its value; percentages compare only with percentages."""

    text: str
    value: float
    percent: bool


def figures(text: str) -> list[Figure]:
    """Every figure in `text`. Example: "£12m, up 18 per cent" -> 12000000.0 and 18.0 (percent)."""
    found: list[Figure] = []
    folded = terms.fold(text)
    for match in _DIGITS.finditer(folded):
        found.append(_figure(match, float(match["num"].replace(",", ""))))
    for match in _WORDS.finditer(folded):
        value = sum(_WORD_VALUES.get(w, 1.0) for w in re.split(r"[-\s]", match["words"].lower()))
        found.append(_figure(match, value))
    return found


def _figure(match: re.Match[str], value: float) -> Figure:
    scale = (match["scale"] or "").lower()
    return Figure(match.group(0).strip(), value * _SCALES.get(scale, 1.0), bool(match["pct"]))


def missing_figures(claim: str, sources: Iterable[str]) -> list[str]:
    """The figures of `claim` that no source states (by value). Example: claim "£13m", source
    "£12 million" -> ["£13m"]."""
    known = {(round(f.value, 6), f.percent) for source in sources for f in figures(source)}
    return [f.text for f in figures(claim) if (round(f.value, 6), f.percent) not in known]


def names(parsed: Parsed) -> list[str]:
    """The names in a parsed sentence, as runs of name words. Example: "Inspectors met Steve
    Walker of Powys County Council." -> ["Steve Walker", "Powys County Council"]."""
    runs: list[list[str]] = []
    previous = -2
    for index, token in enumerate(parsed.tokens):
        word = token.text
        if not word[0].isalpha() or word.lower() in _NOT_NAMES:  # "'s" is no part of a name
            continue
        capitalised = word[0].isupper() and index > 0
        if token.pos == "PROPN" or token.entity in NAME_ENTITIES or capitalised:
            if index == previous + 1 and runs:
                runs[-1].append(word)
            else:
                runs.append([word])
            previous = index
    return [" ".join(run) for run in runs]


def missing_names(parsed_claim: Parsed, sources: Iterable[str]) -> list[str]:
    """The names of the claim with a word that no source has (case-folded, possessives dropped)."""
    known = {w for source in sources for w in terms.words(source)}
    missing = []
    for name in names(parsed_claim):
        if any(w not in known for w in terms.words(name) if not w[0].isdigit()):
            missing.append(name)
    return missing
