"""The question-level features (CONFIDENCE_FEATURES, read by the confidence, answerability and
off-topic models): how the best candidate stands against the others, how well its best span is
rated, whether the question's rarest words occur near the best candidates at all, and whether any
candidate uses the question's verb (documents that speak of what a question is about without ever
using its verb, "chairs", "resigned", "funded", often leave out what it asks).

Does not score or choose.
"""

from __future__ import annotations

import numpy as np

from assistant.answering.features import CONFIDENCE_FEATURES, SENTENCE_FEATURES
from assistant.answering.overlap import Context, share, window_stems
from assistant.answering.reading import Reading, asks_for_span


def confidence_features(
    reading: Reading,
    logits: np.ndarray,
    rows: list[int],
    lead: tuple[float, float],
    best_lead: list[float],
    sentence_table: np.ndarray,
    context: Context,
) -> np.ndarray:
    """CONFIDENCE_FEATURES of a question: how its best candidate stands, and whether the question's
    rarest words occur near the best candidates at all. `lead`: the best sentence's best lead-worthy
    span's rating and its share of all its spans' ratings; `best_lead`: each sentence's best
    lead-worthy span's rating (0 without one)."""
    order = np.argsort(-logits, kind="stable")
    top = int(order[0])
    top5 = order[:5]
    column = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    best = sentence_table[top]
    vocabulary = context.vocabulary
    weights = {s: vocabulary.idf(s) for s in reading.stems}
    total = sum(weights.values()) or 1.0
    unknown = sum(w for s, w in weights.items() if not vocabulary.frequency.get(s)) / total
    near = set().union(*(window_stems(context, rows[i]) for i in top5))
    missing = 1.0 - share(reading.stems, near, vocabulary)
    rarest = max(weights, key=lambda s: weights[s]) if weights else ""
    values = dict.fromkeys(CONFIDENCE_FEATURES, 0.0)
    values.update(
        {
            "top_logit": float(logits[top]),
            "margin_logit": float(logits[top] - logits[order[1]]) if len(order) > 1 else 5.0,
            "logit_over_top5_mean": float(logits[top] - logits[top5].mean()),
            "top_span_probability": lead[0],
            "top_span_share": lead[1],
            "top5_best_span": max(best_lead[i] for i in top5),
            "missing_from_top5": missing,
            "rarest_missing": 1.0
            if rarest and rarest not in vocabulary.with_aliases(window_stems(context, rows[top]))
            else 0.0,
            "top_context_coverage": float(best[column["context_coverage"]]),
            "top_coverage": float(best[column["coverage"]]),
            "top_dense_sim": float(best[column["dense_sim"]]),
            "top_window_sim": float(best[column["window_sim"]]),
            "unknown_share": unknown,
            "verb_in_any_candidate": float(sentence_table[:, column["verb_match"]].max()),
            f"qtype_{reading.qtype}": 1.0,
        }
    )
    if asks_for_span(reading):
        values["typed_x_top_span"] = lead[0]
        values["typed_x_top5_best_span"] = values["top5_best_span"]
        values["typed_without_lead"] = 1.0 if lead[1] == 0.0 else 0.0
    return np.asarray([[values[name] for name in CONFIDENCE_FEATURES]], dtype=np.float64)
