"""Words as the answerer compares them: normalised, stemmed, weighted by rarity, spell-checked.

Typographic quotes, dashes and non-breaking spaces are folded so that "children’s" in a
scraped page matches "children's" typed in a question. Misspelt question words are mapped
to the nearest word the corpus actually uses ("reprot" -> "report").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import Stemmer

_FOLD = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\u202f": " "}
)
_WORD = re.compile(r"£?\d[\d,.]*[a-z]*|[a-z][a-z'-]*[a-z]|[a-z]")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom whose why will with would you your yours yourself
    yourselves according said say says tell told many much kind sort type way ever still yet
    did does done get got one ones thing things did do anything something""".split()
)
_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lowercase with quotes, dashes and odd spaces made plain (the evals score answers with it too)."""
    return text.translate(_FOLD).lower()


def words(text: str) -> list[str]:
    """Folded words, possessive 's dropped. Example: "Children’s £12m" -> ["children", "£12m"]."""
    return [w[:-2] if w.endswith("'s") else w.strip("'") for w in _WORD.findall(fold(text))]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords dropped)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


_ABBREVIATION = re.compile(
    r"((?:[A-Z][\w'’-]*\s+(?:(?:of|and|for|the)\s+)?){1,7}[A-Z][\w'’-]*)\s+\(([A-Z]{2,8})\)"
)


def abbreviations(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Abbreviations the texts define, as stems.

    Example: "Care Inspectorate Wales (CIW)" -> {"ciw": {"care", "inspector", "wale"}}.
    """
    found: dict[str, frozenset[str]] = {}
    for text in texts:
        for match in _ABBREVIATION.finditer(text):
            long_words = match.group(1).split()
            short = match.group(2)
            initials = [w for w in long_words if w[0].isupper()]
            # Keep the trailing words whose initials spell the abbreviation (or most of it).
            initials = initials[-len(short) :] if len(initials) >= len(short) else initials
            if not initials or short[0].upper() != initials[0][0]:
                continue
            start = long_words.index(initials[0])
            stems = frozenset(content_stems(" ".join(long_words[start:])))
            if stems:
                found[stem(short.lower())] = stems
    return found


class Vocabulary:
    """Stem document frequencies of a passage collection, for rarity weights and spelling."""

    def __init__(self, texts: Iterable[str], dictionary: frozenset[str] = frozenset()) -> None:
        """`dictionary`: words known to be spelt right (the encoder's word list) and never corrected."""
        self.dictionary = dictionary
        frequency: Counter[str] = Counter()
        surface: set[str] = set(STOPWORDS)  # so "wich" can become "which"
        count = 0
        texts_seen: list[str] = []
        for text in texts:
            texts_seen.append(text)
            count += 1
            tokens = [w for w in words(text) if w not in STOPWORDS and len(w) > 1]
            surface.update(tokens)
            frequency.update({stem(w) for w in tokens})
        self._keep(max(count, 1), frequency, abbreviations(texts_seen), sorted(surface))

    def _keep(
        self, size: int, frequency: dict[str, int], aliases: dict[str, frozenset[str]], surface: list[str]
    ) -> None:
        self.size = size
        self.aliases = aliases
        # Each abbreviation filed under one stem of its long form: `with_aliases` looks up only
        # those a question's stems can complete, not every abbreviation of a large corpus.
        self._aliases_by_member: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for short, long_ in aliases.items():
            self._aliases_by_member.setdefault(min(long_), []).append((short, long_))
        self.frequency = frequency
        self._surface = surface  # sorted: ties in `correct` resolve the same every run
        self._surface_by_initial: dict[str, list[str]] = {}
        for word in surface:
            self._surface_by_initial.setdefault(word[0], []).append(word)

    def counts(self) -> dict[str, Any]:
        """What the texts gave, as JSON-ready data (`from_counts` makes the same vocabulary again)."""
        return {
            "size": self.size,
            "frequency": self.frequency,
            "aliases": {short: sorted(long_) for short, long_ in self.aliases.items()},
            "surface": self._surface,
        }

    @classmethod
    def from_counts(cls, counts: dict[str, Any], dictionary: frozenset[str] = frozenset()) -> Vocabulary:
        """The vocabulary `counts` describes, without reading the texts again."""
        vocabulary = cls.__new__(cls)
        vocabulary.dictionary = dictionary
        aliases = {short: frozenset(long_) for short, long_ in counts["aliases"].items()}
        vocabulary._keep(int(counts["size"]), dict(counts["frequency"]), aliases, list(counts["surface"]))
        return vocabulary

    def with_aliases(self, stems: set[str]) -> set[str]:
        """`stems` plus the other form of any abbreviation it holds.

        Example: {"ciw"} gains {"care", "inspector", "wale"}, and the other way round.
        """
        extra: set[str] = set()
        for short in stems & self.aliases.keys():
            extra |= self.aliases[short]
        for stem_ in stems:  # only abbreviations whose long form holds one of the stems
            for short, long_ in self._aliases_by_member.get(stem_, ()):
                if short not in stems and long_ <= stems:
                    extra.add(short)
        return stems | extra if extra else stems

    def idf(self, stem_: str) -> float:
        """Rarity weight; a stem the corpus never uses weighs the most."""
        return math.log((self.size + 1) / (self.frequency.get(stem_, 0) + 0.5))

    def knows(self, word: str) -> bool:
        return stem(word) in self.frequency

    def correct(self, word: str) -> str:
        """The corpus word closest to an unknown `word` when close enough, else `word`.

        Example: "reprot" -> "report", "socail" -> "social"; "budget" stays "budget".
        """
        if (
            len(word) < 4
            or word in STOPWORDS
            or word in self.dictionary
            or self.knows(word)
            or not word.isalpha()
        ):
            return word
        best, best_ratio = word, 0.0
        for candidate in self._surface_by_initial.get(word[0], []):
            if abs(len(candidate) - len(word)) > 2:
                continue
            ratio = SequenceMatcher(None, word, candidate).ratio()
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
        return best if best_ratio >= 0.8 else word


# A word standing on its own: not part of a name joined by a hyphen, dot, slash, underscore or
# digit ("pkg-config", "setup.py", "utf8"), which the corpus may know only whole.
_WHOLE_WORD = re.compile(r"(?<![\w/-])(?<!\w\.)[A-Za-z]{4,}(?![\w/-]|\.\w)")


def correct_spelling(text: str, vocabulary: Vocabulary) -> str:
    """Replace words the corpus does not know by their nearest corpus word, keeping capitals.

    Example: "Who wrote the reprot?" -> "Who wrote the report?"; "pkg-config" is left whole.
    """

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        corrected = vocabulary.correct(word.lower())
        if corrected == word.lower():
            return word
        return corrected.capitalize() if word[0].isupper() else corrected

    return re.sub(_WHOLE_WORD, fix, text)
