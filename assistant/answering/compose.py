"""Decide the shape of the answer from the model's confidence.

- confident, with a span of the kind asked for rated highly: a short lead (a name, date, figure or
  place taken from the cited sentence), then the sentence; "Yes"/"No" for a yes/no question whose
  sentence says so;
- less sure: the sentence alone, or the two best sentences when the second is rated close behind
  and the two fit in the fitted number of words (`shows_second`), quoted as one passage when the
  second is the sentence right after the first;
- not sure enough: the refusal, with the nearest passages only when they come close.

A sentence that introduces a list ("... including:") is cited with the lines that follow it.
Does not build the answer's text: the service does, once the citations are numbered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from assistant.answering.model import Thresholds
from assistant.answering.reading import QuestionKind, Reading
from assistant.answering.spans import Span, SpanKind
from assistant.core.library import IndexedPassage, Library

# The kinds a lead may be for each kind of question (a "which" question: any kind fitting its focus).
LEAD_KINDS = {
    QuestionKind.WHO: frozenset({SpanKind.PERSON, SpanKind.ORGANISATION, SpanKind.NAME}),
    QuestionKind.WHEN: frozenset({SpanKind.DATE}),
    QuestionKind.WHERE: frozenset({SpanKind.PLACE, SpanKind.ORGANISATION, SpanKind.NAME}),
    QuestionKind.HOW_MANY: frozenset({SpanKind.NUMBER, SpanKind.MONEY}),
    QuestionKind.HOW_MUCH: frozenset({SpanKind.NUMBER, SpanKind.MONEY, SpanKind.DATE}),
}
FOCUS_KINDS = 3  # a "which <noun>" lead may be of the kinds closest to the noun, this many


class AnswerShape(StrEnum):
    """How an answer is put (see the module docstring for when each is chosen)."""

    LEAD = "lead"  # a short answer, then the sentence
    YES_NO = "yes-no"  # "Yes" or "No", then the sentence
    SENTENCE = "sentence"
    TWO = "two"  # the two best sentences, the second rated close behind the first
    CONTINUED = "continued"  # the same, when the second is the one right after the first: one passage
    REFUSAL = "refusal"  # the documents do not say; the nearest passages, perhaps


@dataclass(frozen=True)
class Choice:
    """What the answerer decided: the sentences to cite, the lead, and how sure it is."""

    shape: AnswerShape
    sentences: list[IndexedPassage]
    short_answer: str
    confidence: float
    ranked_rows: list[int]  # candidate sentences, best first, for the passages list
    nearest_are_close: bool = True  # for a refusal: whether the nearest passages are about the question

    @property
    def answered(self) -> bool:
        return self.shape != AnswerShape.REFUSAL


@dataclass(frozen=True)
class LeadSpan:
    """A sentence's best span of a kind the question asks for, with its rating and its share of
    the ratings of all the sentence's spans (how clearly it, rather than another, is the answer)."""

    span: Span
    rating: float
    share: float


def best_lead_span(
    reading: Reading, spans: list[Span], ratings: np.ndarray, focus_fit: dict[str, float]
) -> LeadSpan | None:
    """The highest-rated span of a kind the question asks for (see `lead_kind_fits`)."""
    best: LeadSpan | None = None
    total = float(ratings.sum()) if len(ratings) else 0.0
    for span, rating in zip(spans, ratings, strict=True):
        if lead_kind_fits(reading, span, focus_fit) and (best is None or rating > best.rating):
            best = LeadSpan(span, float(rating), float(rating) / total if total else 0.0)
    return best


@dataclass(frozen=True)
class Scored:
    """The model's view of one question's candidates."""

    reading: Reading
    rows: list[int]
    probabilities: np.ndarray  # of each candidate sentence
    best_spans: list[LeadSpan | None]  # each sentence's best span of a kind asked for
    negated: list[bool]  # each sentence says "not" / "no"
    confidence: float  # that the best sentence answers
    answerable: float  # that the documents answer the question at all
    focus_fit: dict[str, float]
    off_topic: float = 0.0  # that the question is from another field entirely


def compose(
    scored: Scored, thresholds: Thresholds, library: Library, max_citations: int, near: float
) -> Choice:
    """The answer's shape, sentences and lead for `scored`."""
    order = list(np.argsort(-scored.probabilities, kind="stable"))
    ranked_rows = [scored.rows[i] for i in order]
    if not order:
        return Choice(AnswerShape.REFUSAL, [], "", 0.0, [], nearest_are_close=False)
    confidence = scored.confidence
    if scored.answerable < thresholds.answer or scored.off_topic >= thresholds.off_topic:
        close = [scored.rows[i] for i in order if scored.probabilities[i] >= near][:max_citations]
        nearest = close or ranked_rows[:max_citations]
        return Choice(
            AnswerShape.REFUSAL,
            [library.passages[r] for r in nearest],
            "",
            confidence,
            ranked_rows,
            nearest_are_close=bool(close),
        )
    best = order[0]
    sentences = _with_list(library, library.passages[scored.rows[best]], max_citations)
    reading = scored.reading
    if reading.qtype == QuestionKind.YES_NO:
        # The quote answers the way its verb does: "not"/"no" in it but not in the question is a no.
        says_no = scored.negated[best] != reading.negated
        return Choice(AnswerShape.YES_NO, sentences, "No" if says_no else "Yes", confidence, ranked_rows)
    if confidence >= thresholds.lead:  # sure of the sentence: it alone, with a lead if one stands out
        lead = scored.best_spans[best]
        if lead is not None and lead.share >= thresholds.span:
            return Choice(AnswerShape.LEAD, sentences, lead.span.text, confidence, ranked_rows)
        return Choice(AnswerShape.SENTENCE, sentences, "", confidence, ranked_rows)
    if len(order) > 1 and len(sentences) == 1:
        pair = [library.passages[scored.rows[best]], library.passages[scored.rows[order[1]]]]
        words = sum(len(item.passage.text.split()) for item in pair)
        if shows_second(scored.probabilities[best], scored.probabilities[order[1]], words, thresholds):
            follows = library.following(scored.rows[best]) == scored.rows[order[1]]
            shape = AnswerShape.CONTINUED if follows else AnswerShape.TWO
            return Choice(shape, pair, "", confidence, ranked_rows)
    return Choice(AnswerShape.SENTENCE, sentences, "", confidence, ranked_rows)


def shows_second(best: float, second: float, words: int, thresholds: Thresholds) -> bool:
    """Whether an answer below the lead threshold shows the second-rated sentence after the best:
    when it is rated within `thresholds.second` of the best (`best`, `second`: their
    probabilities) and the two hold at most `thresholds.pair_words` words. Its neighbour counts
    like any other sentence: the answer is often in the sentence after the one the question
    matches ("... was added." then "(Contributed by ...)")."""
    close = second >= best - thresholds.second
    return close and (thresholds.pair_words is None or words <= thresholds.pair_words)


def lead_kind_fits(reading: Reading, span: Span, focus_fit: dict[str, float]) -> bool:
    """A lead is never of another kind than the question asks for: the kinds its wh-word asks
    for, or for "which <noun>" the kinds whose prototype is closest to that noun."""
    if reading.qtype in LEAD_KINDS:
        return span.kind in LEAD_KINDS[reading.qtype]
    if reading.qtype == QuestionKind.WHICH and focus_fit:
        closest = sorted(focus_fit, key=lambda kind: -focus_fit[kind])[:FOCUS_KINDS]
        return span.kind in closest
    return False


def _with_list(library: Library, item: IndexedPassage, max_citations: int) -> list[IndexedPassage]:
    """A sentence ending in a colon introduces what follows: cite the first lines of it too."""
    if not item.passage.text.rstrip().endswith(":"):
        return [item]
    return library.neighbours(item.id, before=0, after=max_citations - 1)
