"""Score answers against the question set; every metric is defined in `evals/README.md`.

Pure functions over (question, answer, document texts): no retrieval, no model.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.core.terms import fold
from evals.dataset import EvalQuestion

_MARKER = re.compile(r"\[\d+\]")
RECALL_KS = (1, 3, 5)


def normalise(text: str) -> str:
    """Case, quotes, dashes and whitespace folded (`terms.fold`, as the answerer compares words).

    Example: "Steve  WALKER’s" -> "steve walker's".
    """
    return " ".join(fold(text).split())


def contains_answer(text: str, answers: tuple[str, ...]) -> bool:
    folded = normalise(text)
    return any(normalise(a) in folded for a in answers)


def is_yes_no_answer(answer: str) -> bool:
    """An accepted answer of a yes/no question: "Yes" or "No"."""
    return normalise(answer) in ("yes", "no")


def lead_of(answer: dict[str, Any]) -> str:
    """What the reader sees first: the short answer, else the answer's first sentence (up to its
    first citation marker). Example: "Steve Walker. The report ... [1]" -> "Steve Walker"."""
    short = str(answer.get("short_answer") or "")
    if short:
        return short
    return _MARKER.split(str(answer.get("answer", "")), maxsplit=1)[0]


def says_yes_or_no(text: str, answers: tuple[str, ...]) -> bool:
    """For a yes/no question: the text opens with the accepted "Yes" or "No"."""
    words = normalise(text).split()
    first = words[0].strip(".,:;!") if words else ""
    return first in {normalise(a) for a in answers}


def question_kind(item: EvalQuestion) -> str:
    """The question's kind as its file gives it, else worked out from its opening words."""
    if item.kind:
        return item.kind
    if item.history:
        return "follow-up"
    if all(is_yes_no_answer(a) for a in item.answers) and item.answers:
        return "yes-no"
    words = normalise(item.question).split()
    if "who" in words[:3] or "whom" in words[:3]:
        return "who"
    if "when" in words[:3]:
        return "when"
    if " ".join(words[:2]) in ("how many", "how much"):
        return "how-many"
    return "what-why"


def answer_words(text: str) -> int:
    return len(_MARKER.sub(" ", text).split())


@dataclass
class Outcome:
    """One question's result, with what made it pass or fail."""

    item: EvalQuestion
    answer: dict[str, Any]
    latency_ms: float
    correct: bool = False
    lead_correct: bool = False  # the short answer, or the first sentence when there is none
    refused_correctly: bool = False
    supported: bool = False
    valid_citations: int = 0
    citations: int = 0
    on_source_citations: int = 0
    first_relevant_rank: int | None = None
    problems: list[str] = field(default_factory=list)


def score(item: EvalQuestion, answer: dict[str, Any], latency_ms: float, texts: Mapping[str, str]) -> Outcome:
    """Judge one answer (`Answer.to_dict()`) against its question."""
    outcome = Outcome(item, answer, latency_ms)
    citations = answer.get("citations", [])
    outcome.citations = len(citations)
    for c in citations:
        text = texts.get(c["source"])
        if text is not None and text[c["start"] : c["end"]] == c["quote"]:
            outcome.valid_citations += 1
        else:
            outcome.problems.append(f"citation [{c['n']}] is not an exact slice of {c['source']}")
        if c["source"] in item.sources:
            outcome.on_source_citations += 1
    if item.answerable:
        answered = bool(answer["answered"])
        yes_no = all(is_yes_no_answer(a) for a in item.answers)
        if yes_no:
            outcome.correct = outcome.lead_correct = answered and says_yes_or_no(
                answer["answer"], item.answers
            )
        else:
            outcome.correct = answered and contains_answer(answer["answer"], item.answers)
            outcome.lead_correct = answered and contains_answer(lead_of(answer), item.answers)
        # A quote cannot contain "Yes": a right yes/no answer counts as supported by its quote.
        outcome.supported = outcome.correct and (
            yes_no or any(contains_answer(c["quote"], item.answers) for c in citations)
        )
        for rank, passage in enumerate(answer.get("passages", []), start=1):
            if contains_answer(passage["text"], item.answers):
                outcome.first_relevant_rank = rank
                break
        if not answer["answered"]:
            outcome.problems.append("refused although the reports answer it")
        elif not outcome.correct:
            outcome.problems.append("answer lacks every accepted answer")
    else:
        outcome.refused_correctly = not answer["answered"]
        if not outcome.refused_correctly:
            outcome.problems.append("answered although the reports do not say")
    return outcome


def summarise(outcomes: list[Outcome]) -> dict[str, float]:
    """The metrics of `evals/README.md` over all outcomes."""
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    correct = [o for o in answerable if o.correct]
    all_citations = sum(o.citations for o in outcomes)
    answerable_citations = sum(o.citations for o in answerable)
    metrics: dict[str, float] = {
        "answer_accuracy": _ratio(len(correct), len(answerable)),
        "lead_accuracy": _ratio(sum(o.lead_correct for o in answerable), len(answerable)),
        "refusal_accuracy": _ratio(sum(o.refused_correctly for o in unanswerable), len(unanswerable)),
        "false_refusals": _ratio(sum(not o.answer["answered"] for o in answerable), len(answerable)),
        "citation_validity": _ratio(sum(o.valid_citations for o in outcomes), all_citations, empty=1.0),
        "citation_support": _ratio(sum(o.supported for o in correct), len(correct)),
        "source_precision": _ratio(sum(o.on_source_citations for o in answerable), answerable_citations),
    }
    for k in RECALL_KS:
        hits = sum(o.first_relevant_rank is not None and o.first_relevant_rank <= k for o in answerable)
        metrics[f"retrieval_recall_at_{k}"] = _ratio(hits, len(answerable))
    metrics["mrr"] = _ratio(
        sum(1.0 / o.first_relevant_rank for o in answerable if o.first_relevant_rank), len(answerable)
    )
    words = [answer_words(o.answer["answer"]) for o in answerable if o.answer["answered"]]
    metrics["answer_words_mean"] = round(statistics.fmean(words), 2) if words else 0.0
    metrics["answer_words_max"] = float(max(words, default=0))
    latencies = sorted(o.latency_ms for o in outcomes)
    metrics["latency_p50_ms"] = round(_percentile(latencies, 50), 1)
    metrics["latency_p95_ms"] = round(_percentile(latencies, 95), 1)
    return metrics


def by_kind(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Answer and lead accuracy of the answerable questions of each kind (who, when, ...)."""
    kinds: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.item.answerable:
            kinds.setdefault(question_kind(o.item), []).append(o)
    return {
        kind: {
            "questions": float(len(group)),
            "answer_accuracy": _ratio(sum(o.correct for o in group), len(group)),
            "lead_accuracy": _ratio(sum(o.lead_correct for o in group), len(group)),
        }
        for kind, group in sorted(kinds.items())
    }


CAUSES = (
    "refused (answerable)",
    "answered (unanswerable)",
    "not among the passages found",
    "found, but another sentence chosen",
    "right sentence, wrong lead",
)


def failure_causes(outcomes: list[Outcome]) -> dict[str, int]:
    """How many questions failed for each cause, from the answers alone (no question is shown):
    refused though answerable; answered though unanswerable; the accepted answer in none of the
    passages returned (retrieval); in a passage but not in the answer (choosing the sentence);
    in the answer but not in its lead (the short answer)."""
    counts = dict.fromkeys(CAUSES, 0)
    for o in outcomes:
        if not o.item.answerable:
            counts["answered (unanswerable)"] += int(not o.refused_correctly)
        elif not o.answer["answered"]:
            counts["refused (answerable)"] += 1
        elif not o.correct:
            found = o.first_relevant_rank is not None
            counts["found, but another sentence chosen" if found else "not among the passages found"] += 1
        elif not o.lead_correct:
            counts["right sentence, wrong lead"] += 1
    return counts


def _ratio(part: float, whole: float, empty: float = 0.0) -> float:
    return round(part / whole, 4) if whole else empty


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(percent / 100 * len(values) + 0.5) - 1))
    return values[index]
