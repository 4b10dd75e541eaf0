"""The check across collections: each model fitted on the other collections and scored on the one
left out tells a general feature from one whose meaning belongs to one collection."""

from __future__ import annotations

import numpy as np

from evals.fitting.across_collections import Questions, across_collections

CANDIDATES = 6
PER_COLLECTION = 40


def _questions(flip_in_second: bool) -> Questions:
    """Two collections of questions; in each, the right sentence (the first) stands out by a
    feature that means the same in both, or that means the opposite in the second."""
    rng = np.random.default_rng(7)
    tables, labels, names, rows, answerable = [], [], [], [], []
    for collection in ("first", "second"):
        sign = -1.0 if flip_in_second and collection == "second" else 1.0
        for index in range(PER_COLLECTION):
            table = rng.normal(0.0, 0.3, size=(CANDIDATES, 1))
            table[0, 0] += sign * 2.0
            label = np.zeros(CANDIDATES)
            label[0] = 1.0
            tables.append(table)
            labels.append(label)
            names.append(collection)
            is_answerable = index % 2 == 0
            answerable.append(1.0 if is_answerable else 0.0)
            rows.append([sign * (1.0 if is_answerable else -1.0) + rng.normal(0.0, 0.3)])
    count = len(names)
    return Questions(
        collection=names,
        sentence_tables=tables,
        sentence_labels=labels,
        ranks=[True] * count,
        for_ranking=[True] * count,
        question_rows=np.asarray(rows),
        answerable=np.asarray(answerable),
        written=np.ones(count, dtype=bool),
    )


def _check(questions: Questions) -> dict[str, dict[str, float]]:
    lines: list[str] = []
    found = across_collections(questions, 1.0, 1.0, lines.append, (("signal",), ("signal",)))
    assert [line.split(",")[0] for line in lines] == [
        "fitted without first",
        "fitted without second",
    ]
    return found


def test_a_feature_that_means_the_same_everywhere_holds_on_the_collection_left_out() -> None:
    found = _check(_questions(flip_in_second=False))
    for figures in found.values():
        assert figures["top_sentence_right"] > 0.9
        assert figures["answerability_auc"] > 0.9


def test_a_feature_whose_meaning_belongs_to_one_collection_fails_on_the_other() -> None:
    found = _check(_questions(flip_in_second=True))
    for figures in found.values():
        assert figures["top_sentence_right"] < 0.2
        assert figures["answerability_auc"] < 0.1
