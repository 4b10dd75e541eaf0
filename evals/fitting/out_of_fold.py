"""The answer model's five linear models fitted on every training question, with out-of-fold stages.

In order: span, sentence (a ranking, `evals.ranking`), then confidence, answerability and
off-topic. Each later model is trained on the earlier ones' out-of-fold outputs, so no model
learns from predictions made on its own training rows; each model's regularisation is the one
that scores best out of fold. The out-of-fold outputs (`Stage`) are kept for choosing thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answering.features import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    columns,
)
from assistant.answering.model import AnswerModel, LinearModel, Thresholds
from assistant.core.service import Assistant
from evals.fitting.answerability_check import auc_by_kind, kind_balanced_auc, question_kinds
from evals.fitting.examples import SEED, Example
from evals.fitting.linear import choose_c, fit_linear
from evals.fitting.rows import (
    confidence_row,
    ranks,
    rate_spans,
    sentence_table,
    span_rows,
    top_sentence_right,
)
from evals.ranking import fit_ranking


@dataclass
class Stage:
    """Out-of-fold outputs for every example: each span's and sentence's rating, and confidence."""

    span: list[list[np.ndarray]]
    sentence_tables: list[np.ndarray]
    logits: list[np.ndarray]
    confidence: np.ndarray
    answerable: np.ndarray
    off_topic: np.ndarray
    question_rows: np.ndarray  # what the answerability model reads, one row per example


def fit_models(
    examples: list[Example], assistant_for: Callable[[Example], Assistant], report: Callable[[str], None]
) -> tuple[AnswerModel, Stage, dict[str, float]]:
    """The four models on all examples, and out-of-fold outputs for choosing thresholds."""
    folds = sorted({e.fold for e in examples})
    span_table, span_labels, owners = span_rows(examples)
    span_fold = (
        np.concatenate([np.full(len(examples[e].exam.span_tables[c]), examples[e].fold) for e, c in owners])
        if owners
        else np.zeros(0)
    )

    def span_oof(c: float) -> list[list[np.ndarray]]:
        ratings = [[np.zeros(len(t)) for t in e.exam.span_tables] for e in examples]
        for fold in folds:
            train = span_fold != fold
            model = fit_linear(span_table[train], span_labels[train], SPAN_FEATURES, c)
            for e_index, example in enumerate(examples):
                if example.fold == fold:
                    ratings[e_index] = rate_spans(model, example)
        return ratings

    def span_top1(c: float) -> float:
        ratings = span_oof(c)
        hits = total = 0
        for example, rating in zip(examples, ratings, strict=True):
            for labels, r in zip(example.span_labels, rating, strict=True):
                if len(r) and labels.max() > 0:
                    total += 1
                    hits += int(labels[int(np.argmax(r))] > 0)
        return hits / max(total, 1)

    span_c = choose_c(span_top1)
    span_ratings = span_oof(span_c)
    report(
        f"span model: C={span_c}, top span right in {span_top1(span_c):.3f} of right sentences (out of fold)"
    )

    tables = [sentence_table(assistant_for, e, r) for e, r in zip(examples, span_ratings, strict=True)]

    def sentence_oof(c: float) -> list[np.ndarray]:
        logits: list[np.ndarray] = [np.zeros(0)] * len(examples)
        for fold in folds:
            train = [i for i, e in enumerate(examples) if e.fold != fold and ranks(e)]
            model = fit_ranking(
                [tables[i] for i in train],
                [examples[i].sentence_labels for i in train],
                SENTENCE_FEATURES,
                c,
                SEED,
            )
            for i, example in enumerate(examples):
                if example.fold == fold:
                    logits[i] = model.logits(tables[i])
        return logits

    def sentence_top1(c: float) -> float:
        logits = sentence_oof(c)
        ranked = [i for i, e in enumerate(examples) if e.for_ranking]
        return float(np.mean([top_sentence_right(examples[i], logits[i]) for i in ranked]))

    sentence_c = choose_c(sentence_top1)
    logits = sentence_oof(sentence_c)
    groups: dict[str, list[float]] = {}
    for example, found in zip(examples, logits, strict=True):
        if example.for_ranking:
            key = f"{example.question_set.collection.name}/{example.exam.reading.qtype}"
            groups.setdefault(key, []).append(top_sentence_right(example, found))
    report(
        "  top sentence right, by collection and kind of question: "
        + ", ".join(f"{k} {np.mean(v):.2f} (n={len(v)})" for k, v in sorted(groups.items()))
    )
    report(
        f"sentence model: C={sentence_c}, top sentence right for {sentence_top1(sentence_c):.3f} "
        "of questions (out of fold)"
    )

    confidence_rows = np.vstack(
        [
            confidence_row(assistant_for, e, lg, t, r)
            for e, lg, t, r in zip(examples, logits, tables, span_ratings, strict=True)
        ]
    )
    usable = np.asarray([ranks(e) for e in examples])
    confidence_labels = np.asarray(
        [top_sentence_right(e, lg) if e.answerable else 0.0 for e, lg in zip(examples, logits, strict=True)]
    )
    example_folds = np.asarray([e.fold for e in examples])
    confidence, confidence_model, confidence_c = _question_model(
        confidence_rows,
        CONFIDENCE_FEATURES,
        confidence_labels,
        usable,
        example_folds,
        "confidence (best sentence answers)",
        report,
    )
    answerable_labels = np.asarray([1.0 if e.answerable else 0.0 for e in examples])
    written = np.asarray([not e.off_topic for e in examples])
    question_rows = columns(confidence_rows, ANSWERABILITY_FEATURES)
    answerable, answerable_model, answerable_c = _question_model(
        question_rows,
        ANSWERABILITY_FEATURES,
        answerable_labels,
        written,
        example_folds,
        "answerability",
        report,
    )
    kinds = question_kinds(examples)
    report(
        "  with every kind of question weighted alike, AUC "
        f"{kind_balanced_auc(answerable_labels[written], answerable[written], kinds[written]):.3f} "
        "(0.5 for a model that knows only the kind of question)"
    )
    report(
        "  within each kind (AUC, written questions): "
        f"{auc_by_kind(answerable_labels[written], answerable[written], kinds[written])}"
    )
    off_topic_labels = np.asarray([1.0 if e.off_topic else 0.0 for e in examples])
    everyone = np.ones(len(examples), dtype=bool)
    off_topic, off_topic_model, off_topic_c = _question_model(
        question_rows, ANSWERABILITY_FEATURES, off_topic_labels, everyone, example_folds, "off-topic", report
    )

    span_model = fit_linear(span_table, span_labels, SPAN_FEATURES, span_c)
    ranking = [i for i, e in enumerate(examples) if ranks(e)]
    sentence_model = fit_ranking(
        [tables[i] for i in ranking],
        [examples[i].sentence_labels for i in ranking],
        SENTENCE_FEATURES,
        sentence_c,
        SEED,
    )
    stage = Stage(span_ratings, tables, logits, confidence, answerable, off_topic, question_rows)
    chosen = {
        "span_c": span_c,
        "sentence_c": sentence_c,
        "confidence_c": confidence_c,
        "answerable_c": answerable_c,
        "off_topic_c": off_topic_c,
    }
    placeholder = Thresholds(0.5, 0.5, 0.5, 0.0)
    model = AnswerModel(
        span_model, sentence_model, confidence_model, answerable_model, off_topic_model, placeholder, ()
    )
    return model, stage, chosen


def _question_model(
    rows: np.ndarray,
    names: tuple[str, ...],
    labels: np.ndarray,
    usable: np.ndarray,
    folds: np.ndarray,
    name: str,
    report: Callable[[str], None],
) -> tuple[np.ndarray, LinearModel, float]:
    """A question-level model on the columns `names`: out-of-fold probabilities for every question,
    the model fitted on all usable ones, and the regularisation that ranked best out of fold."""
    from sklearn.metrics import roc_auc_score

    def out_of_fold(c: float) -> np.ndarray:
        found = np.zeros(len(labels))
        for fold in sorted(set(folds.tolist())):
            train = usable & (folds != fold)
            model = fit_linear(rows[train], labels[train], names, c)
            found[folds == fold] = model.probabilities(rows[folds == fold])
        return found

    def auc(c: float) -> float:
        return float(roc_auc_score(labels[usable], out_of_fold(c)[usable]))

    c = choose_c(auc)
    report(f"{name} model: C={c}, AUC {auc(c):.3f} (out of fold)")
    return out_of_fold(c), fit_linear(rows[usable], labels[usable], names, c), c
