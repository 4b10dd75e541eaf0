"""When an answer shows a second sentence: below which confidence, how close behind the best the
second must be rated, and how many words the two may hold; chosen on out-of-fold ratings.

The answer counts as right when either sentence holds an accepted answer, so a second sentence
buys right answers with words. `choose_shape` takes the most right answers while every
collection's mean answer stays within the ceiling: one collection's short sentences must not pay
for another's long pairs. Decided exactly as `compose` decides (`shows_second`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.compose import shows_second
from assistant.answering.model import Thresholds
from assistant.core.answer_assembly import two_places_opening

SECONDS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)  # how close behind a second sentence may be
PAIR_WORDS = (30, 40, 50, 60, 80, None)  # the most words two sentences shown together hold (None: any)


@dataclass(frozen=True)
class Rated:
    """One of an answered question's two best sentences, as rated out of fold."""

    probability: float
    words: int
    right: bool
    follows_best: bool = False  # the sentence right after the best one: quoted with it as one passage


@dataclass(frozen=True)
class AnsweredQuestion:
    """An answered question: its collection, the confidence in its best sentence, and its best
    sentence then (when there is one) the second."""

    collection: str
    confidence: float
    best: tuple[Rated, ...]
    opening_words: int = len(two_places_opening("the documents").split())  # before two places


@dataclass(frozen=True)
class Shape:
    lead: float  # below this confidence a second sentence may be shown
    second: float  # ... when rated within this of the best
    pair_words: int | None  # ... and the two hold at most this many words (None: any)


def outcome(questions: Sequence[AnsweredQuestion], shape: Shape) -> tuple[int, float]:
    """Right answers (either sentence), and the largest of the collections' mean answer words."""
    decide = Thresholds(
        answer=0.0, lead=shape.lead, span=1.0, second=shape.second, pair_words=shape.pair_words
    )
    right = 0
    words: dict[str, list[int]] = {}
    for question in questions:
        first = question.best[0]
        shown = [first]
        if question.confidence < shape.lead and len(question.best) > 1:
            second = question.best[1]
            if shows_second(first.probability, second.probability, first.words + second.words, decide):
                shown.append(second)
        right += any(s.right for s in shown)
        preamble = len(shown) > 1 and not shown[-1].follows_best
        size = sum(s.words for s in shown) + (question.opening_words if preamble else 0)
        words.setdefault(question.collection, []).append(size)
    return right, max((float(np.mean(sizes)) for sizes in words.values()), default=0.0)


def choose_shape(questions: Sequence[AnsweredQuestion], grid: Sequence[float], ceiling: float) -> Shape:
    """The shape giving the most right answers with no collection's mean words above `ceiling`;
    on a tie the fewest pairs: the lowest threshold, the closest second, the shortest pair."""
    best: tuple[tuple[int, float, float, int], Shape] | None = None
    for lead in grid:
        for second in SECONDS:
            for pair_words in PAIR_WORDS:
                shape = Shape(float(lead), second, pair_words)
                right, words = outcome(questions, shape)
                if words > ceiling:
                    continue
                key = (right, -shape.lead, -second, -(pair_words if pair_words is not None else 1 << 30))
                if best is None or key > best[0]:
                    best = (key, shape)
    return best[1] if best is not None else Shape(0.0, 0.0, None)
