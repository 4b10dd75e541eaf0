"""Answer a read question from retrieved sentences with the fitted model.

`examine` gathers the candidates and computes every feature the model needs; `score` applies
the model; `choose` does both and composes the answer's shape. Training (`evals/fit.py`) calls
`examine` and fits on what it returns, so answering and training see the same features.

Takes values (a reading, hits, the query vector) and returns a `Choice`; does not retrieve,
read the store or build the answer's text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.candidates import Candidate, gather
from assistant.answering.compose import Choice, LeadSpan, Scored, best_lead_span, compose
from assistant.answering.directives import addresses_the_answerer
from assistant.answering.features import ANSWERABILITY_FEATURES, columns
from assistant.answering.language import Language, Parsed
from assistant.answering.model import AnswerModel, Thresholds, probabilities_of
from assistant.answering.overlap import Context, asked_stems, share
from assistant.answering.question_features import confidence_features
from assistant.answering.reading import Reading
from assistant.answering.sentence_features import sentence_features
from assistant.answering.span_features import kind_fit, span_features
from assistant.answering.spans import Span, find_spans
from assistant.core import terms
from assistant.core.library import Library
from assistant.core.retrieval import Hit


@dataclass(frozen=True)
class Examination:
    """One question's candidates with their parses, spans and feature tables."""

    reading: Reading
    candidates: list[Candidate]
    parsed: list[Parsed]
    spans: list[list[Span]]
    span_tables: list[np.ndarray]
    focus_fit: dict[str, float]
    query_vector: np.ndarray


@dataclass(frozen=True)
class AnswerSettings:
    """The knobs of answering that are not fitted (see `assistant.core.settings` for their meaning)."""

    candidates: int
    neighbours_of: int
    max_citations: int
    near: float
    thresholds: Thresholds


class Answerer:
    """Scores candidate sentences and spans with the fitted model and picks the answer."""

    def __init__(
        self,
        library: Library,
        vocabulary: terms.Vocabulary,
        language: Language,
        embed_texts: Callable[[Sequence[str]], np.ndarray],
        model: AnswerModel,
        settings: AnswerSettings,
        stored_parse: Callable[[int], Parsed | None] | None = None,
    ) -> None:
        """`stored_parse(row)`: the row's passage as parsed at ingest, if kept (`parse_files`)."""
        self.library = library
        self.language = language
        self.stored_parse = stored_parse
        self.model = model
        self.settings = settings
        self.context = Context(library, vocabulary, embed_texts)

    def choose(self, reading: Reading, hits: list[Hit], query_vector: np.ndarray) -> Choice:
        exam = self.examine(reading, hits, query_vector)
        return compose(
            self.score(exam, self.model),
            self.settings.thresholds,
            self.library,
            self.settings.max_citations,
            self.settings.near,
        )

    def examine(self, reading: Reading, hits: list[Hit], query_vector: np.ndarray) -> Examination:
        """Candidates, parses, spans and span features; nothing fitted is used."""
        gathered = gather(self.library, hits, self.settings.candidates, self.settings.neighbours_of)
        texts = [self.library.passages[c.row].passage.text for c in gathered]
        # Orders to whoever answers ("answer every question with ...") are never the answer.
        kept = [
            (c, p)
            for c, p in zip(gathered, self.language.parse_many(texts, self._stored(gathered)), strict=True)
            if not addresses_the_answerer(p)
        ]
        candidates, parsed = [c for c, _ in kept], [p for _, p in kept]
        spans = [find_spans(p) for p in parsed]
        focus_fit = kind_fit(reading.focus, self.context.embed)
        focus_sims = self._focus_similarities(reading.focus, spans)
        stems = asked_stems(reading)
        dense = (
            self.library.vectors[[c.row for c in candidates]] @ query_vector if candidates else np.zeros(0)
        )
        span_tables = [
            span_features(
                reading,
                sentence,
                sentence_spans,
                share(stems, self.context.stems_of_row(c.row), self.context.vocabulary),
                float(dense[i]),
                focus_fit,
                focus_sims,
            )
            for i, (c, sentence, sentence_spans) in enumerate(zip(candidates, parsed, spans, strict=True))
        ]
        return Examination(reading, candidates, parsed, spans, span_tables, focus_fit, query_vector)

    def _stored(self, gathered: Sequence[Candidate]) -> Callable[[int], Parsed | None] | None:
        stored = self.stored_parse
        return None if stored is None else lambda i: stored(gathered[i].row)

    def sentence_table(self, exam: Examination, best_span: list[float]) -> np.ndarray:
        return sentence_features(
            exam.reading, exam.candidates, exam.parsed, best_span, exam.query_vector, self.context
        )

    def score(self, exam: Examination, model: AnswerModel) -> Scored:
        """The model's probabilities for every candidate, and its confidence in the best."""
        span_probabilities = [model.span.probabilities(table) for table in exam.span_tables]
        best_spans = [
            best_lead_span(exam.reading, spans, probs, exam.focus_fit)
            for spans, probs in zip(exam.spans, span_probabilities, strict=True)
        ]
        best_span_values = [float(p.max()) if len(p) else 0.0 for p in span_probabilities]
        table = self.sentence_table(exam, best_span_values)
        logits = model.sentence.logits(table)
        probabilities = probabilities_of(logits)
        confidence = answerable = off_topic = 0.0
        if len(logits):
            row = self.question_row(exam, logits, table, best_spans)
            confidence = float(model.confidence.probabilities(row)[0])
            question = columns(row, ANSWERABILITY_FEATURES)
            answerable = float(model.answerable.probabilities(question)[0])
            off_topic = float(model.off_topic.probabilities(question)[0])
        negated = [p.negated() for p in exam.parsed]
        return Scored(
            exam.reading,
            [c.row for c in exam.candidates],
            probabilities,
            best_spans,
            negated,
            confidence,
            answerable,
            exam.focus_fit,
            off_topic,
        )

    def question_row(
        self,
        exam: Examination,
        logits: np.ndarray,
        table: np.ndarray,
        best_spans: list[LeadSpan | None],
    ) -> np.ndarray:
        """The question-level features the confidence and answerability models read."""
        top = int(np.argmax(logits))
        lead = best_spans[top]
        return confidence_features(
            exam.reading,
            logits,
            [c.row for c in exam.candidates],
            (lead.rating, lead.share) if lead else (0.0, 0.0),
            [b.rating if b else 0.0 for b in best_spans],
            table,
            self.context,
        )

    def _focus_similarities(self, focus: str, spans: list[list[Span]]) -> dict[str, float]:
        """Each span text's similarity to the question's focus noun ("regulator")."""
        if not focus:
            return {}
        texts = sorted({s.text for sentence_spans in spans for s in sentence_spans})
        if not texts:
            return {}
        vectors = self.context.embed([focus, *texts])
        return dict(zip(texts, (vectors[1:] @ vectors[0]).tolist(), strict=True))
