"""Whether the answerability model reads evidence or only the kind of question, shown by `make fit`.

The training sets' writers chose which questions to make unanswerable: most of their "how many"
questions ask for a figure the documents do not give, almost none of their "what" questions do.
A model can score well out of fold by learning that habit alone, and then refuse a councillor's
"How many recommendations does the report make?" whatever the documents say. Three figures show
how much of its skill is that habit: its AUC with every kind of question weighted alike (0.5 for
a model that knows only the kind; pairs of two kinds still count in it, so it understates what the
model tells apart within a kind), its AUC within each kind (pairs of one kind only), and, at the
chosen threshold, the share of each kind's answerable and unanswerable questions it refuses.

Reports only; changes no model and no threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evals.fitting.examples import Example

MIN_KIND = 5  # kinds with fewer written questions than this are left out of the table


def question_kinds(examples: Sequence[Example]) -> np.ndarray:
    """The kind of each example's question ("how-many", "what", …), as the answerer reads it."""
    return np.asarray([str(e.exam.reading.qtype) for e in examples])


def kind_balanced_weights(labels: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Row weights under which every kind has the labels' overall share of positives.

    Example: labels [1, 0, 0, 1] of kinds [a, a, a, b] (half positive overall): the "a" positive
    weighs 1.5, each "a" negative 0.75, the lone "b" positive 1.
    """
    weights = np.ones(len(labels))
    overall = labels.mean() if len(labels) else 0.0
    for kind in np.unique(kinds):
        rows = kinds == kind
        share = labels[rows].mean()
        if 0.0 < share < 1.0:
            weights[rows & (labels > 0)] = overall / share
            weights[rows & (labels <= 0)] = (1.0 - overall) / (1.0 - share)
    return weights


def kind_balanced_auc(labels: np.ndarray, probabilities: np.ndarray, kinds: np.ndarray) -> float:
    """The AUC with every kind of question weighted alike: what the model tells apart within kinds."""
    from sklearn.metrics import roc_auc_score

    weights = kind_balanced_weights(labels, kinds)
    return float(roc_auc_score(labels, probabilities, sample_weight=weights))


def auc_by_kind(labels: np.ndarray, probabilities: np.ndarray, kinds: np.ndarray) -> str:
    """One line: per kind with at least MIN_KIND answerable and MIN_KIND unanswerable questions,
    the AUC among that kind's questions alone.

    Example: "how-many 0.75 (94), which 0.63 (402), what 0.45 (201)".
    """
    from sklearn.metrics import roc_auc_score

    parts = []
    for kind in sorted(np.unique(kinds), key=lambda k: -int((kinds == k).sum())):
        rows = kinds == kind
        if min(int((labels[rows] > 0).sum()), int((labels[rows] <= 0).sum())) < MIN_KIND:
            continue
        auc = roc_auc_score(labels[rows] > 0, probabilities[rows])
        parts.append(f"{kind} {auc:.2f} ({int(rows.sum())})")
    return ", ".join(parts)


def refused_by_kind(
    labels: np.ndarray, probabilities: np.ndarray, kinds: np.ndarray, threshold: float
) -> str:
    """One line: per kind, the share of its unanswerable and of its answerable questions refused.

    Example: "how-many 0.97 / 0.82 (68), what 0.00 / 0.00 (155)".
    """
    refused = probabilities < threshold
    parts = []
    for kind in sorted(np.unique(kinds), key=lambda k: -int((kinds == k).sum())):
        rows = kinds == kind
        if rows.sum() < MIN_KIND:
            continue
        unanswerable = rows & (labels <= 0)
        answerable = rows & (labels > 0)
        share_u = f"{refused[unanswerable].mean():.2f}" if unanswerable.any() else "-"
        share_a = f"{refused[answerable].mean():.2f}" if answerable.any() else "-"
        parts.append(f"{kind} {share_u} / {share_a} ({int(rows.sum())})")
    return ", ".join(parts)
