"""One logistic model on standardised columns, and the choice of its regularisation.

The weights are rounded and the solver seeded, so the same rows give the same written model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.answering.model import LinearModel
from evals.fitting.examples import SEED

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


def fit_linear(table: np.ndarray, labels: np.ndarray, features: tuple[str, ...], c: float) -> LinearModel:
    """A logistic model of `labels` on the standardised columns of `table`; `c` as in scikit-learn."""
    from sklearn.linear_model import LogisticRegression

    mean = table.mean(axis=0)
    scale = table.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    if labels.min() == labels.max():  # nothing to learn from (a fold with one class)
        return LinearModel(features, tuple(mean), tuple(scale), (0.0,) * len(features), -4.0)
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    model.fit((table - mean) / scale, labels)
    return LinearModel(
        features,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in model.coef_[0]),
        round(float(model.intercept_[0]), 6),
    )


def choose_c(score_for: Callable[[float], float]) -> float:
    """The regularisation scoring best out of fold; the strongest among those within 0.001."""
    scores = {c: score_for(c) for c in C_GRID}
    best = max(scores.values())
    return min(c for c in C_GRID if scores[c] >= best - 1e-3)
