"""Fit the answer model on the training questions: `make fit` (`assistant fit`).

Only `train/` question sets are read. Every training question is examined exactly as the chat
would answer it (same retrieval, same candidates, same features), then labelled from its
accepted answers: a sentence is right when it contains one and comes from a listed source; a
span is right when it is (or closely holds) an accepted answer inside a right sentence.

Four linear models are fitted in order (span, sentence, then confidence and answerability;
the sentence model as a ranking of each question's candidates, `evals.ranking`); each later one
is trained on the earlier ones' out-of-fold outputs, so no model learns from predictions made on
its own training rows. Thresholds are chosen on out-of-fold confidences. The sentence and
answerability models are also fitted on every collection but one and scored on the one left out
(`evals.fitting.across_collections`): a gain out of fold that does not hold there was learned
from the collections' own sentences. Then every training question is answered through the real
`Assistant.ask` by a model fitted without its fold, and the figures are printed: the
cross-validated estimate reported beside the test sets.

The same training files give the same model file on one kind of machine: folds and solvers are
seeded, sums run on one thread, and the collections are embedded afresh on one thread (see
`assistant fit`). A machine with another CPU embeds slightly differently (onnxruntime's int8
kernels differ between instruction sets) and writes a slightly different model.

This module is the command's entry; the parts are in `evals/fitting/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.readers import Readers
from assistant.core.service import Assistant
from evals.collections import Collection
from evals.fitting.across_collections import Questions, across_collections
from evals.fitting.examples import Example, examine_all
from evals.fitting.figures import cross_validated_figures
from evals.fitting.out_of_fold import Stage, fit_models
from evals.fitting.rows import ranks
from evals.fitting.thresholds import choose_thresholds


def fit(
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    path: Path,
    report: Callable[[str], None],
    cross_validate: bool = True,
) -> dict[str, Any]:
    """Examine, fit, choose thresholds, write `path`, and (optionally) report cross-validated figures."""
    assistants: dict[str, Assistant] = {}

    def assistant_of(collection: Collection) -> Assistant:
        if collection.name not in assistants:
            assistants[collection.name] = open_assistant(collection, readers)
        return assistants[collection.name]

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one BLAS thread: the same sums in the same order, every run
        return _fit(readers, open_assistant, path, report, cross_validate, assistant_of)


def _fit(
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    path: Path,
    report: Callable[[str], None],
    cross_validate: bool,
    assistant_of: Callable[[Collection], Assistant],
) -> dict[str, Any]:
    examples = examine_all(assistant_of)
    ranking = [e for e in examples if e.for_ranking]
    reachable = np.mean([e.sentence_labels.max() > 0 if len(e.sentence_labels) else 0 for e in ranking])
    report(
        f"{len(examples)} training questions ({len(ranking)} with a findable answer sentence, "
        f"{sum(not e.answerable for e in examples)} unanswerable); the right sentence is among the "
        f"candidates for {reachable:.3f} of them"
    )
    model, stage, chosen = fit_models(examples, lambda e: assistant_of(e.question_set.collection), report)
    left_out = across_collections(
        _questions(examples, stage), chosen["sentence_c"], chosen["answerable_c"], report
    )
    thresholds = choose_thresholds(examples, stage, report)
    sets = tuple(sorted({e.question_set.label for e in examples}))
    model = replace(model, thresholds=thresholds, trained_on=sets)
    model.save(path)
    report(f"wrote {path}")
    result: dict[str, Any] = {
        "model": str(path),
        "regularisation": chosen,
        "thresholds": thresholds.__dict__,
        "across_collections": left_out,
    }
    if cross_validate:
        result["cross_validated"] = cross_validated_figures(
            examples, readers, open_assistant, chosen, thresholds, report
        )
    return result


def _questions(examples: list[Example], stage: Stage) -> Questions:
    """What the check across collections reads of the examined training questions."""
    return Questions(
        collection=[e.question_set.collection.name for e in examples],
        sentence_tables=stage.sentence_tables,
        sentence_labels=[e.sentence_labels for e in examples],
        ranks=[ranks(e) for e in examples],
        for_ranking=[e.for_ranking for e in examples],
        question_rows=stage.question_rows,
        answerable=np.asarray([1.0 if e.answerable else 0.0 for e in examples]),
        written=np.asarray([not e.off_topic for e in examples]),
    )
