"""A model's reply cut into sentences, each with the passage numbers it cites.

Models put markers before or after the full stop ("… 2019 [1]." or "… 2019. [1]"), group them
("[1, 2]", "[1][2]"), start a line with one as the passages are listed ("[2] The report …") or
write lists; every form comes out as one `Claim` per sentence, the
claim's words without markers and the numbers cited. A reply that merely says the passages do
not answer is recognised, so it is reported as such rather than as an uncited sentence.

Does not check anything against the passages (see `checking`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUP = r"\[(?:[Pp]assages?\s*)?\d+(?:\s*(?:,|;|&|and)\s*(?:[Pp]assages?\s*)?\d+)*\]"
_MARKERS = rf"(?:\s*{_GROUP})+"
_END = re.compile(rf"(?:[.!?]+[\"”’')]*(?:{_MARKERS})?|{_MARKERS}(?:\s*[.!?]+)?)(?=\s+[\"“‘(A-Z0-9£]|\s*$)")
_GROUPS = re.compile(_GROUP)
_LABEL = re.compile(rf"^{_MARKERS}\s*")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+|^\s*answer\s*:\s*", re.IGNORECASE)
_ABBREVIATIONS = frozenset("mr mrs ms dr cllr prof st no e.g i.e etc vs approx".split())
_DECLINES = re.compile(
    r"\b(?:do|does|did)(?: not|n't) (?:answer|say|mention|cover|state|contain)|\bno (?:information|mention)\b"
    r"|\bnot (?:mentioned|stated|provided|covered)\b|\bcannot (?:answer|tell|find)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """One sentence of the reply: `text` without markers, `cited` the passage numbers in order."""

    text: str
    cited: tuple[int, ...]

    @property
    def declines(self) -> bool:
        """The sentence only says the passages do not answer (and cites nothing to show it)."""
        return not self.cited and bool(_DECLINES.search(self.text))


def claims(reply: str) -> list[Claim]:
    """The reply's sentences in order. Example: "Ann chairs it [2]. It met in 2019. [1][3]" ->
    Claim("Ann chairs it.", (2,)), Claim("It met in 2019.", (1, 3))."""
    found: list[Claim] = []
    for line in reply.splitlines():
        line = _BULLET.sub("", line).strip()
        # "[2] The report found ..." labels the sentence that follows, as the passages are labelled.
        label = _LABEL.match(line)
        cursor = label.end() if label else 0
        sentences: list[str] = []
        for match in _END.finditer(line, cursor):
            if _after_abbreviation(line, match.start()):
                continue
            sentences.append(line[cursor : match.end()])
            cursor = match.end()
        sentences.append(line[cursor:])
        if label:
            sentences[0] = sentences[0] + label.group(0)
        found.extend(claim for sentence in sentences for claim in _claim(sentence))
    return found


def _after_abbreviation(line: str, at: int) -> bool:
    words = line[:at].split()
    return bool(words) and words[-1].lower().strip("(") in _ABBREVIATIONS


def _claim(sentence: str) -> list[Claim]:
    cited: list[int] = []
    for group in _GROUPS.findall(sentence):
        cited.extend(int(n) for n in re.findall(r"\d+", group))
    text = " ".join(_GROUPS.sub(" ", sentence).split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text).strip()
    if not any(ch.isalnum() for ch in text):
        return []
    if text[-1] not in '.!?"”’)':
        text += "."
    return [Claim(text, tuple(dict.fromkeys(cited)))]
