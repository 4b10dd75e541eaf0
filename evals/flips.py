"""Which questions changed since an earlier `assistant evals --all --json` run, each collection's
train or test sets taken together, and whether more moved one way than chance would send.

A refit moves a few questions each way on sets of 16 to 80 questions, so a bound two questions
below the last run can be crossed by a reshuffle alone. Counting, over all of a collection's test
questions, how many became right and how many became wrong, with the chance of a split at least
that uneven if each changed question had gone either way alike (a two-sided sign test), tells a
change from a reshuffle. Only counts are shown: test questions stay unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

from evals.compare import PreviousRunError, read_run
from evals.formatting import fmt
from evals.metrics import Outcome

# (metric, the per-question flag it counts, whether the question counts for it, higher is better)
FLIP_METRICS = (
    ("answer_accuracy", "right", True, True),
    ("lead_accuracy", "lead_right", True, True),
    ("refusal_accuracy", "refused", False, True),
    ("false_refusals", "refused", True, False),
)


def outcome_flags(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """What a later run needs to pair each question with this one: its id and how it went."""
    return [
        {
            "id": o.item.id,
            "answerable": o.item.answerable,
            "right": o.correct,
            "lead_right": o.lead_correct,
            "refused": not o.answer.get("answered", False),
        }
        for o in outcomes
    ]


@dataclass(frozen=True)
class Flips:
    """Questions of a group of sets ("powys/test") that one metric now counts differently."""

    group: str
    metric: str
    better: int
    worse: int

    @property
    def p_value(self) -> float:
        return sign_test(self.better, self.worse)


def sign_test(better: int, worse: int) -> float:
    """Two-sided exact sign test: the chance of a split at least this uneven from fair coin tosses.

    Example: sign_test(6, 0) -> 0.03125; sign_test(5, 5) -> 1.0.
    """
    moved = better + worse
    if not moved:
        return 1.0
    fewer = min(better, worse)
    tail = sum(comb(moved, k) for k in range(fewer + 1)) / float(2**moved)
    return min(1.0, 2.0 * tail)


def load_suite_run(path: Path) -> dict[str, Any]:
    """An earlier `assistant evals --all --json` run, checked for the per-question flags."""
    data = read_run(path)
    sets = data.get("sets") if isinstance(data, dict) else None
    if not isinstance(sets, list) or not all(isinstance(s, dict) and "outcomes" in s for s in sets):
        raise PreviousRunError(f"{path} is not the output of `assistant evals --all --json`")
    run: dict[str, Any] = data
    return run


def flips(previous: dict[str, Any], current: dict[str, Any]) -> list[Flips]:
    """Per group of sets (collection and split) and metric, the questions that went each way.
    Questions are paired by set and id; those in only one run are left out."""
    before = {(s["set"], o["id"]): o for s in previous["sets"] for o in s["outcomes"]}
    counts: dict[tuple[str, str], list[int]] = {}
    for found in current["sets"]:
        group = found["set"].rsplit("/", 1)[0]
        for now in found["outcomes"]:
            then = before.get((found["set"], now["id"]))
            if then is None:
                continue
            for metric, flag, answerable, higher in FLIP_METRICS:
                if now["answerable"] != answerable or then[flag] == now[flag]:
                    continue
                tally = counts.setdefault((group, metric), [0, 0])
                tally[0 if now[flag] == higher else 1] += 1
    return [Flips(group, metric, *tally) for (group, metric), tally in sorted(counts.items())]


def flips_json(found: list[Flips]) -> list[dict[str, Any]]:
    """The flips as JSON-ready data, each with its sign test."""
    return [
        {"sets": f.group, "metric": f.metric, "better": f.better, "worse": f.worse, "p_value": f.p_value}
        for f in found
    ]


def flip_rows(found: list[Flips]) -> list[list[str]]:
    """A table: per group and metric, questions now better, now worse, and the sign test."""
    rows = [["sets", "metric", "better", "worse", "chance of a split this uneven"]]
    for f in found:
        rows.append([f"{f.group} (all sets)", f.metric, str(f.better), str(f.worse), fmt(f.p_value)])
    return rows
