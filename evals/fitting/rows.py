"""What each model reads for one training question, and which questions each model learns from.

Span tables with their labels, sentence tables from the span ratings, question rows from the
sentence logits, and whether the top sentence is right. Builds rows only; fits nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.answering.compose import best_lead_span
from assistant.answering.features import SPAN_FEATURES
from assistant.answering.model import LinearModel
from assistant.core.service import Assistant
from evals.fitting.examples import Example


def span_rows(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """All spans of ranking questions, with labels and (example, candidate) of each table."""
    tables, labels, owners = [], [], []
    for e_index, example in enumerate(examples):
        if not example.for_ranking:
            continue
        for c_index, (table, label) in enumerate(
            zip(example.exam.span_tables, example.span_labels, strict=True)
        ):
            if len(table):
                tables.append(table)
                labels.append(label)
                owners.append((e_index, c_index))
    width = len(SPAN_FEATURES)
    return (
        np.vstack(tables) if tables else np.zeros((0, width)),
        np.concatenate(labels) if labels else np.zeros(0),
        owners,
    )


def ranks(example: Example) -> bool:
    """Whether the sentence and confidence models learn from the question: a written question whose
    right sentence can be told from its words, or that the documents do not answer."""
    return not example.off_topic and (example.for_ranking or not example.answerable)


def rate_spans(model: LinearModel, example: Example) -> list[np.ndarray]:
    """The span model's probability for each span of each candidate."""
    return [model.probabilities(t) if len(t) else np.zeros(0) for t in example.exam.span_tables]


def sentence_table(
    assistant_for: Callable[[Example], Assistant], example: Example, ratings: list[np.ndarray]
) -> np.ndarray:
    """The sentence model's table, as the answerer builds it from each candidate's best span."""
    best = [float(r.max()) if len(r) else 0.0 for r in ratings]
    return assistant_for(example).answerer.sentence_table(example.exam, best)


def confidence_row(
    assistant_for: Callable[[Example], Assistant],
    example: Example,
    logits: np.ndarray,
    table: np.ndarray,
    ratings: list[np.ndarray],
) -> np.ndarray:
    """The question's row for the confidence and answerability models, as the answerer builds it."""
    exam = example.exam
    leads = [
        best_lead_span(exam.reading, s, r, exam.focus_fit) for s, r in zip(exam.spans, ratings, strict=True)
    ]
    return assistant_for(example).answerer.question_row(exam, logits, table, leads)


def top_sentence_right(example: Example, logits: np.ndarray) -> float:
    """1.0 when the sentence rated highest is a right one, else 0.0 (and for no candidates)."""
    return top_right(example.sentence_labels, logits)


def top_right(labels: np.ndarray, logits: np.ndarray) -> float:
    """1.0 when the candidate rated highest is labelled right, else 0.0 (and for no candidates)."""
    return float(labels[int(np.argmax(logits))]) if len(logits) else 0.0
