"""How the sentence and answerability models do on a collection they were not fitted on.

The folds of `make fit` split questions, not documents: a question held out is asked of the same
sentences the other folds were fitted on. A feature that learns those sentences (which topics
answer often, say) scores well out of fold and fails on documents nobody has seen. So each model
is also fitted on every collection but one and scored on the one left out. A change that gains
out of fold but loses here is fitted to the collections, not general. Reported by `make fit`;
writes nothing.

The answerability rows left out are the out-of-fold ones (their sentence ratings come from the
fold models, fitted on their own collection): only the answerability weights are fitted across.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.answering.features import ANSWERABILITY_FEATURES, SENTENCE_FEATURES
from evals.fitting.examples import SEED
from evals.fitting.linear import fit_linear
from evals.fitting.rows import top_right
from evals.ranking import fit_ranking


@dataclass(frozen=True)
class Questions:
    """What the check reads of each training question, in one order."""

    collection: list[str]
    sentence_tables: list[np.ndarray]
    sentence_labels: list[np.ndarray]
    ranks: list[bool]  # the sentence model learns from it
    for_ranking: list[bool]  # its right sentence can be told from its words
    question_rows: np.ndarray  # ANSWERABILITY_FEATURES, one row per question
    answerable: np.ndarray  # 1.0 or 0.0
    written: np.ndarray  # not borrowed from another collection as off-topic


def across_collections(
    questions: Questions,
    sentence_c: float,
    answerable_c: float,
    report: Callable[[str], None],
    features: tuple[tuple[str, ...], tuple[str, ...]] = (SENTENCE_FEATURES, ANSWERABILITY_FEATURES),
) -> dict[str, dict[str, float]]:
    """For each collection: the top sentence right, and the answerability AUC, with both models
    fitted on the other collections' questions only (nothing for a collection alone)."""
    from sklearn.metrics import roc_auc_score

    sentence_features, answerability_features = features
    names = np.asarray(questions.collection)
    tables, labels = questions.sentence_tables, questions.sentence_labels
    answerable, rows = questions.answerable, questions.question_rows
    found: dict[str, dict[str, float]] = {}
    for held in sorted(set(questions.collection)):
        if (names == held).all():
            continue
        learning = [i for i, name in enumerate(names) if name != held and questions.ranks[i]]
        ranker = fit_ranking(
            [tables[i] for i in learning], [labels[i] for i in learning], sentence_features, sentence_c, SEED
        )
        ranked = [i for i, name in enumerate(names) if name == held and questions.for_ranking[i]]
        right = [top_right(labels[i], ranker.logits(tables[i])) for i in ranked]
        train = (names != held) & questions.written
        test = (names == held) & questions.written
        figures = {"top_sentence_right": float(np.mean(right)) if right else 0.0}
        if len(set(answerable[train].tolist())) == 2 and len(set(answerable[test].tolist())) == 2:
            model = fit_linear(rows[train], answerable[train], answerability_features, answerable_c)
            probabilities = model.probabilities(rows[test])
            figures["answerability_auc"] = float(roc_auc_score(answerable[test], probabilities))
        found[held] = figures
        line = f"fitted without {held}, scored on it: top sentence right {figures['top_sentence_right']:.3f}"
        if "answerability_auc" in figures:
            line += f", answerability AUC {figures['answerability_auc']:.3f}"
        report(line)
    return found
