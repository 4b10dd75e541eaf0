"""The two metrics of generative answers, with a check of shown sentences that shares no code
with the product's checker (`assistant/generative/`), so a fault there cannot hide itself here.

A shown sentence counts as unsupported when it has no citation marker, cites a number with no
citation, cites a quote that is not an exact slice of its document, states a number its quotes
do not state (digits, "m"/"million"/"bn" and the number words up to twenty read the simple way,
"one" left out as the checker leaves it out), has a capitalised word after its first that its
quotes lack, or shares fewer than half of its longer words (five-letter prefixes) with its
quotes. It is cruder than the checker, on purpose: what it flags is worth a look even where the
checker had a reason to keep it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from evals.metrics import Outcome

GENERATIVE_BOUNDS = {"max": {"shown_unsupported": 0.0}}
_SHOWN = re.compile(r"(.+?)((?:\s*\[\d+\])+)(?=\s|$)")
_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(m|million|bn|billion|k|thousand)?\b", re.IGNORECASE)
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_MULTIPLIER = {"m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9, "k": 1e3, "thousand": 1e3}
_PLAIN = {"the", "this", "that", "these", "there", "they", "their", "it", "in", "on", "a", "an", "i"}


def _numbers(text: str) -> set[float]:
    found = {
        float(m[1].replace(",", "")) * _MULTIPLIER.get((m[2] or "").lower(), 1.0)
        for m in _NUMBER.finditer(text)
    }
    words = re.findall(r"[a-z]+", text.lower())
    return found | {float(_SMALL.index(w)) for w in words if w in _SMALL and w != "one"}


def _prefixes(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}


def _letters(text: str) -> set[str]:
    """Runs of letters, lowercased. Example: "COVID-19, Children’s" -> {"covid", "children", "s"}."""
    return {run.lower() for run in re.findall(r"[^\W\d_]+", text)}


def _capitalised(sentence: str) -> set[str]:
    """The letter runs of the capitalised words after the first (quotes and brackets aside)."""
    words = [w.lstrip("\"“‘'(") for w in sentence.split()[1:]]
    return {run for w in words if w[:1].isupper() for run in _letters(w)} - _PLAIN


def unsupported_sentences(answer: Mapping[str, Any], texts: Mapping[str, str]) -> list[str]:
    """The shown sentences of a generative answer (`GenerativeAnswer.to_dict()`) that fail the check."""
    if answer.get("mode") != "generative":
        return []
    citations = {c["n"]: c for c in answer.get("citations", [])}
    text = str(answer.get("answer", ""))
    failed: list[str] = []
    covered = 0
    for match in _SHOWN.finditer(text):
        covered = match.end()
        sentence, markers = match[1].strip(), [int(n) for n in re.findall(r"\d+", match[2])]
        quotes = [citations.get(n) for n in markers]
        if not quotes or any(
            q is None or texts.get(q["source"], "")[q["start"] : q["end"]] != q["quote"] for q in quotes
        ):
            failed.append(sentence)
            continue
        quoted = " ".join(q["quote"] for q in quotes if q is not None)
        longer = _prefixes(sentence)
        if (
            not _numbers(sentence) <= _numbers(quoted)
            or not _capitalised(sentence) <= _letters(quoted)
            or (longer and len(longer & _prefixes(quoted)) < len(longer) / 2)
        ):
            failed.append(sentence)
    if text[covered:].strip():
        failed.append(text[covered:].strip())  # words after the last marker: a sentence without one
    return failed


def generative_metrics(outcomes: list[Outcome], texts: Mapping[str, str]) -> dict[str, float]:
    """sentences_removed and shown_unsupported (must be 0), with the shares that explain them."""
    generative = [o for o in outcomes if o.answer.get("mode") == "generative"]
    shown = sum(len(_SHOWN.findall(str(o.answer["answer"]))) for o in generative)
    return {
        "generative_answers": round(len(generative) / len(outcomes), 4) if outcomes else 0.0,
        "sentences_shown": float(shown),
        "sentences_removed": float(sum(len(o.answer.get("removed", [])) for o in outcomes)),
        "shown_unsupported": float(sum(len(unsupported_sentences(o.answer, texts)) for o in outcomes)),
    }
