"""Run the question set through `Assistant.ask`, the chat's own code path, and score it.

The hybrid retriever is scored together with BM25-only and dense-only baselines through the
same answerer, so a maintainer sees what the fusion buys. The `generative` mode asks
`Assistant.ask_generative` instead (hybrid retrieval, the configured language model) and adds
`sentences_removed` and `shown_unsupported` (`evals.generative`), the latter bounded to 0.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.service import Assistant
from evals.dataset import EvalQuestion
from evals.generative import generative_metrics
from evals.metrics import Outcome, score, summarise

MODES = ("hybrid", "bm25", "dense")
GENERATIVE = "generative"
THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


@dataclass
class RunResult:
    """Metrics and per-question outcomes of one retrieval mode."""

    mode: str
    metrics: dict[str, float]
    outcomes: list[Outcome]


def run_mode(assistant: Assistant, dataset: list[EvalQuestion], mode: str) -> RunResult:
    texts = {doc_id: doc.text for doc_id, doc in assistant.library.documents.items()}
    outcomes = []
    for item in dataset:
        started = time.perf_counter()
        if mode == GENERATIVE:
            answer = assistant.ask_generative(item.question, list(item.history)).to_dict()
        else:
            answer = assistant.ask(item.question, list(item.history), mode=mode).to_dict()
        latency_ms = (time.perf_counter() - started) * 1000
        outcomes.append(score(item, answer, latency_ms, texts))
    metrics = summarise(outcomes)
    if mode == GENERATIVE:
        metrics |= generative_metrics(outcomes, texts)
    return RunResult(mode, metrics, outcomes)


def run_all(
    assistant: Assistant, dataset: list[EvalQuestion], modes: tuple[str, ...] = MODES
) -> list[RunResult]:
    if dataset:  # warm the caches once so the first question's latency is not the model's start-up
        assistant.ask(dataset[0].question)
    return [run_mode(assistant, dataset, mode) for mode in modes]


def load_thresholds(label: str, path: Path = THRESHOLDS) -> dict[str, dict[str, float]] | None:
    """`{"min": {...}, "max": {...}}`: the bounds the hybrid's metrics on the question set `label`
    ("powys/test/blind3") must keep; None when that set has none."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    bounds: dict[str, dict[str, float]] | None = raw.get("sets", {}).get(label)
    return bounds


def load_targets(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    """Where each collection's test sets, taken together, should get to (`{"powys/test": {metric:
    target}}`; a metric ending in `_max` is a ceiling). Reported beside the sets, not gated."""
    raw = json.loads(path.read_text(encoding="utf-8")).get("targets", {})
    return {label: dict(found) for label, found in raw.items() if isinstance(found, dict)}


def gate(metrics: dict[str, float], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Failures as sentences; empty when every metric is within its bound."""
    failures = [
        f"{name} = {metrics[name]} is below its threshold {bound}"
        for name, bound in thresholds.get("min", {}).items()
        if metrics[name] < bound
    ]
    failures += [
        f"{name} = {metrics[name]} is above its threshold {bound}"
        for name, bound in thresholds.get("max", {}).items()
        if metrics[name] > bound
    ]
    return failures


# The gated metrics that are shares of a set's questions, and of which questions.
QUESTION_SHARES = {
    "answer_accuracy": "answerable",
    "lead_accuracy": "answerable",
    "false_refusals": "answerable",
    "retrieval_recall_at_5": "answerable",
    "refusal_accuracy": "unanswerable",
}
CLOSE_MARGIN = 2.0  # questions: a refit, or the same model on another CPU, can move one or two


def close_bounds(
    metrics: dict[str, float], thresholds: dict[str, dict[str, float]], outcomes: list[Outcome]
) -> list[str]:
    """The bounds this run meets with fewer than CLOSE_MARGIN questions to spare, as sentences.

    The gate is about regressions, not noise, only while its bounds sit two questions below the
    run they were set from; a bound closer than that fails on the next refit whichever way it
    moves the set's questions. Example: "answer_accuracy = 0.649 meets its bound 0.64 by 0.7 of
    74 answerable questions"."""
    counts = {
        "answerable": sum(o.item.answerable for o in outcomes),
        "unanswerable": sum(not o.item.answerable for o in outcomes),
    }
    found = []
    for side, sign in (("min", 1.0), ("max", -1.0)):
        for name, bound in thresholds.get(side, {}).items():
            of = QUESTION_SHARES.get(name)
            if of is None or name not in metrics or not counts[of]:
                continue
            spare = sign * (metrics[name] - bound) * counts[of]
            if 0.0 <= spare < CLOSE_MARGIN:
                found.append(
                    f"{name} = {metrics[name]} meets its bound {bound} by {spare:.1f} of "
                    f"{counts[of]} {of} questions"
                )
    return found


def to_json(results: list[RunResult], failures: list[str]) -> dict[str, Any]:
    hybrid = results[0]
    return {
        "metrics": hybrid.metrics,
        "baselines": {r.mode: r.metrics for r in results[1:]},
        "gate": {"passed": not failures, "failures": failures},
        "questions": [
            {
                "id": o.item.id,
                "question": o.item.question,
                "expected": list(o.item.answers),
                "answerable": o.item.answerable,
                "answered": o.answer["answered"],
                "answer": o.answer["answer"],
                "query": o.answer["query"],
                "problems": o.problems,
                "latency_ms": round(o.latency_ms, 1),
                **{k: o.answer[k] for k in ("mode", "removed", "fallback_reason") if k in o.answer},
            }
            for o in hybrid.outcomes
        ],
    }
