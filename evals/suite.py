"""Every question set of every collection, each through `Assistant.ask` on its own index.

`make evals-all` runs this: each collection's corpus is ingested into its index (only what
changed), then each of its train and test sets is scored with the hybrid retriever. Test sets
are reported by their metrics only: their questions are never printed, so they stay unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.core.service import Assistant
from evals.collections import Collection, QuestionSet, question_sets
from evals.dataset import load_dataset
from evals.flips import outcome_flags
from evals.metrics import CAUSES, Outcome, by_kind, failure_causes, summarise
from evals.runner import RunResult, run_all

SUMMARY_METRICS = (
    "answer_accuracy",
    "lead_accuracy",
    "refusal_accuracy",
    "false_refusals",
    "answer_words_mean",
    "retrieval_recall_at_5",
    "citation_validity",
    "latency_p50_ms",
)


@dataclass
class SetResult:
    """One question set's hybrid run."""

    question_set: QuestionSet
    result: RunResult

    @property
    def kinds(self) -> dict[str, dict[str, float]]:
        return by_kind(self.result.outcomes)

    def to_json(self, with_questions: bool) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "set": self.question_set.label,
            "split": self.question_set.split,
            "questions": len(self.result.outcomes),
            "metrics": self.result.metrics,
            "by_kind": self.kinds,
            "failure_causes": failure_causes(self.result.outcomes),
            "outcomes": outcome_flags(self.result.outcomes),  # ids and verdicts, never the questions
        }
        if with_questions:
            shown["failing"] = [
                {
                    "id": o.item.id,
                    "question": o.item.question,
                    "answer": o.answer["answer"],
                    "problems": o.problems,
                }
                for o in self.result.outcomes
                if o.problems
            ]
        return shown


def run_suite(
    open_assistant: Callable[[Collection], Assistant], split: str | None = None, mode: str = "hybrid"
) -> list[SetResult]:
    """Score every set (or those of `split`) in `mode` (hybrid, or generative); `open_assistant`
    gives the assistant of a collection, its index already brought up to date."""
    results = []
    assistants: dict[str, Assistant] = {}
    for question_set in question_sets(split):
        name = question_set.collection.name
        if name not in assistants:
            assistants[name] = open_assistant(question_set.collection)
        [hybrid] = run_all(assistants[name], load_dataset(question_set.path), (mode,))
        results.append(SetResult(question_set, hybrid))
    return results


def summary_rows(results: list[SetResult]) -> list[list[str]]:
    """One row per set: its size and the headline metrics."""
    from evals.formatting import fmt

    rows = [["set", "questions", *SUMMARY_METRICS]]
    for r in results:
        rows.append(
            [
                r.question_set.label,
                str(len(r.result.outcomes)),
                *[fmt(r.result.metrics[m]) for m in SUMMARY_METRICS],
            ]
        )
    return rows


def kind_rows(results: list[SetResult]) -> list[list[str]]:
    """Answer / lead accuracy per question kind, one row per set."""
    kinds = sorted({k for r in results for k in r.kinds})
    rows = [["set", *kinds]]
    for r in results:
        cells = []
        for kind in kinds:
            figures = r.kinds.get(kind)
            cells.append(
                f"{figures['answer_accuracy']:.2f} / {figures['lead_accuracy']:.2f} "
                f"(n={figures['questions']:.0f})"
                if figures
                else "-"
            )
        rows.append([r.question_set.label, *cells])
    return rows


def cause_rows(results: list[SetResult]) -> list[list[str]]:
    """How many questions of each set failed for each cause (see `metrics.failure_causes`)."""
    rows = [["set", *CAUSES]]
    for r in results:
        counts = failure_causes(r.result.outcomes)
        rows.append([r.question_set.label, *(str(counts[c]) for c in CAUSES)])
    return rows


def _outcomes_of(results: list[SetResult], label: str) -> list[Outcome]:
    """Every outcome of the sets whose label starts with `label` ("powys/test")."""
    return [o for r in results if r.question_set.label.startswith(f"{label}/") for o in r.result.outcomes]


def pooled(results: list[SetResult], label: str) -> dict[str, float]:
    """The metrics over every question of the sets whose label starts with `label`."""
    return summarise(_outcomes_of(results, label))


def target_rows(results: list[SetResult], targets: dict[str, dict[str, float]]) -> list[list[str]]:
    """Each collection's test sets taken together against its targets: one row per collection, each
    cell the pooled figure, the target and whether it is met (a name ending `_max` is a ceiling)."""
    from evals.formatting import fmt

    names = list(dict.fromkeys(name for found in targets.values() for name in found))
    rows = [["sets", "questions", *(name.removesuffix("_max") for name in names)]]
    for label, found in sorted(targets.items()):
        outcomes = _outcomes_of(results, label)
        if not outcomes:
            continue
        metrics = summarise(outcomes)
        cells = []
        for name in names:
            metric, ceiling = name.removesuffix("_max"), name.endswith("_max")
            if name not in found:
                cells.append("-")
                continue
            value, target = metrics[metric], found[name]
            met = value <= target if ceiling else value >= target
            cells.append(f"{fmt(value)} ({'<=' if ceiling else '>='} {target}: {'met' if met else 'missed'})")
        rows.append([f"{label} (all sets)", str(len(outcomes)), *cells])
    return rows
