"""What got better or worse since an earlier run: metric changes and questions that flipped.

An earlier run is the JSON `assistant evals --json` prints, which `--report DIR` also keeps as
`DIR/results.json`; the next run with the same `--report DIR` compares itself with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.formatting import fmt

# Lower is better for these; for every other metric higher is better.
LOWER_IS_BETTER = frozenset({"false_refusals", "answer_words_mean", "answer_words_max"})
# Timings vary from run to run on the same code: shown, never called better or worse.
TIMINGS = frozenset({"latency_p50_ms", "latency_p95_ms"})


class PreviousRunError(ValueError):
    """The earlier run's file cannot be read as `assistant evals --json` output."""


@dataclass(frozen=True)
class Changes:
    """The hybrid's differences from an earlier run of the same question set."""

    metrics: list[tuple[str, float, float]]  # (name, before, after) of metrics that moved
    now_failing: list[tuple[str, str, str]]  # (id, question, problem)
    now_passing: list[tuple[str, str]]  # (id, question)
    unmatched: int  # questions in only one of the two runs (the set itself changed)

    def rows(self) -> list[list[str]]:
        """A table of the changes, for the terminal and the reports."""
        table = [["change", "id or metric", "before", "after"]]
        for name, before, after in self.metrics:
            table.append([_verdict(name, before, after), name, fmt(before), fmt(after)])
        table += [["now failing", f"{i}: {q}", "passed", problem] for i, q, problem in self.now_failing]
        table += [["now passing", f"{i}: {q}", "failed", "passed"] for i, q in self.now_passing]
        return table


def read_run(path: Path) -> Any:
    """An earlier run's JSON as written, or a PreviousRunError saying why it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PreviousRunError(f"cannot read the earlier run {path}: {error}") from error


def load_previous(path: Path) -> dict[str, Any]:
    """The earlier run's JSON, checked for the parts a comparison needs."""
    data = read_run(path)
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or "questions" not in data:
        raise PreviousRunError(f"{path} is not the output of `assistant evals --json`")
    return data


def compare(previous: dict[str, Any], current: dict[str, Any]) -> Changes:
    """Changes from `previous` to `current`, both in the form `runner.to_json` returns."""
    moved = [
        (name, float(previous["metrics"][name]), float(value))
        for name, value in current["metrics"].items()
        if name in previous["metrics"] and float(previous["metrics"][name]) != float(value)
    ]
    before = {q["id"]: q for q in previous["questions"]}
    after = {q["id"]: q for q in current["questions"]}
    shared = [i for i in after if i in before]
    now_failing = [
        (i, after[i]["question"], "; ".join(after[i]["problems"]))
        for i in shared
        if after[i]["problems"] and not before[i]["problems"]
    ]
    now_passing = [
        (i, after[i]["question"]) for i in shared if before[i]["problems"] and not after[i]["problems"]
    ]
    unmatched = len(set(before) ^ set(after))
    return Changes(moved, now_failing, now_passing, unmatched)


def _verdict(name: str, before: float, after: float) -> str:
    if name in TIMINGS:
        return "timing"
    better = after < before if name in LOWER_IS_BETTER else after > before
    return "better" if better else "worse"
