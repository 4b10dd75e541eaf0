"""The cross-validated figures: every training question answered through the real `Assistant.ask`
by a model fitted without its fold, scored as the evals score the test sets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.answering.model import Thresholds
from assistant.core.readers import Readers
from assistant.core.service import Assistant
from evals.collections import Collection
from evals.fitting.examples import OFF_TOPIC, Example
from evals.fitting.refit import refit
from evals.metrics import Outcome, score, summarise


def cross_validated_figures(
    examples: list[Example],
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    chosen: dict[str, float],
    thresholds: Thresholds,
    report: Callable[[str], None],
) -> dict[str, dict[str, float]]:
    """Every training question answered through `Assistant.ask` by a model fitted without it."""
    outcomes: dict[str, list[Outcome]] = {}
    for fold in sorted({e.fold for e in examples}):
        training = [e for e in examples if e.fold != fold]
        model = refit(training, readers, open_assistant, chosen, thresholds)
        fold_readers = replace(readers, model=model)
        assistants: dict[str, Assistant] = {}
        for example in examples:
            if example.fold != fold:
                continue
            collection = example.question_set.collection
            if collection.name not in assistants:
                assistants[collection.name] = open_assistant(collection, fold_readers)
            assistant = assistants[collection.name]
            texts = {d: doc.text for d, doc in assistant.library.documents.items()}
            answer = assistant.ask(example.item.question, list(example.item.history)).to_dict()
            outcomes.setdefault(example.question_set.label, []).append(
                score(example.item, answer, 0.0, texts)
            )
    figures = {label: summarise(found) for label, found in sorted(outcomes.items())}
    everything = [o for label, found in outcomes.items() if not label.endswith(OFF_TOPIC) for o in found]
    figures["all training questions"] = summarise(everything)
    for label, metrics in figures.items():
        report(
            f"cross-validated {label}: answer {metrics['answer_accuracy']:.3f}, "
            f"lead {metrics['lead_accuracy']:.3f}, "
            f"refusal {metrics['refusal_accuracy']:.3f}, false refusals {metrics['false_refusals']:.3f}, "
            f"words {metrics['answer_words_mean']:.1f}"
        )
    return figures
