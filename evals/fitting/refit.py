"""The answer model fitted again on some of the training questions, with the regularisation and
thresholds already chosen: how the cross-validated figures get a model fitted without a fold."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.answering.features import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    columns,
)
from assistant.answering.model import AnswerModel, Thresholds
from assistant.core.readers import Readers
from assistant.core.service import Assistant
from evals.collections import Collection
from evals.fitting.examples import SEED, Example
from evals.fitting.linear import fit_linear
from evals.fitting.rows import (
    confidence_row,
    ranks,
    rate_spans,
    sentence_table,
    span_rows,
    top_sentence_right,
)
from evals.ranking import fit_ranking


def refit(
    examples: list[Example],
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    chosen: dict[str, float],
    thresholds: Thresholds,
) -> AnswerModel:
    """The four models fitted on `examples` with the regularisation already chosen."""
    assistants: dict[str, Assistant] = {}

    def assistant_for(example: Example) -> Assistant:
        name = example.question_set.collection.name
        if name not in assistants:
            assistants[name] = open_assistant(example.question_set.collection, readers)
        return assistants[name]

    span_table, span_labels, _ = span_rows(examples)
    span_model = fit_linear(span_table, span_labels, SPAN_FEATURES, chosen["span_c"])
    ranking = [e for e in examples if ranks(e)]
    tables = {id(e): sentence_table(assistant_for, e, rate_spans(span_model, e)) for e in ranking}
    sentence_model = fit_ranking(
        [tables[id(e)] for e in ranking],
        [e.sentence_labels for e in ranking],
        SENTENCE_FEATURES,
        chosen["sentence_c"],
        SEED,
    )
    rows, labels, answerable = [], [], []
    for e in examples:
        if id(e) not in tables:  # an answerable yes/no question: only answerability learns from it
            tables[id(e)] = sentence_table(assistant_for, e, rate_spans(span_model, e))
        logits = sentence_model.logits(tables[id(e)])
        rows.append(confidence_row(assistant_for, e, logits, tables[id(e)], rate_spans(span_model, e)))
        labels.append(top_sentence_right(e, logits) if e.answerable else 0.0)
        answerable.append(1.0 if e.answerable else 0.0)
    usable = np.asarray([ranks(e) for e in examples])
    written = np.asarray([not e.off_topic for e in examples])
    table = np.vstack(rows)
    confidence_model = fit_linear(
        table[usable], np.asarray(labels)[usable], CONFIDENCE_FEATURES, chosen["confidence_c"]
    )
    question_rows = columns(table, ANSWERABILITY_FEATURES)
    answerable_model = fit_linear(
        question_rows[written],
        np.asarray(answerable)[written],
        ANSWERABILITY_FEATURES,
        chosen["answerable_c"],
    )
    off_topic_labels = np.asarray([1.0 if e.off_topic else 0.0 for e in examples])
    off_topic_model = fit_linear(
        question_rows, off_topic_labels, ANSWERABILITY_FEATURES, chosen["off_topic_c"]
    )
    return AnswerModel(
        span_model, sentence_model, confidence_model, answerable_model, off_topic_model, thresholds, ()
    )
