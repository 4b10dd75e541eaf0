"""The evaluation question set: loading and validating `questions.jsonl`.

Does not run anything; see `runner` for that and `README.md` for the format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATASET = Path(__file__).resolve().parent / "powys" / "train" / "questions.jsonl"
KINDS = ("who", "when", "how-many", "what-why", "yes-no", "follow-up")


@dataclass(frozen=True)
class EvalQuestion:
    """One known question with its accepted answers and supporting sources."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    history: tuple[str, ...] = field(default=())
    kind: str = ""  # who / when / how-many / what-why / yes-no / follow-up; worked out when not given
    paraphrase: bool = False  # worded to share few words with the sentence that answers it


class DatasetError(ValueError):
    """A line of the question set is not in the documented format."""


def load_dataset(path: Path = DEFAULT_DATASET) -> list[EvalQuestion]:
    """Questions of a JSON-lines file, checked field by field."""
    items: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = EvalQuestion(
                id=str(raw["id"]),
                question=str(raw["question"]),
                answers=tuple(str(a) for a in raw.get("answers", [])),
                sources=tuple(str(s) for s in raw.get("sources", [])),
                answerable=bool(raw.get("answerable", True)),
                history=tuple(str(h) for h in raw.get("history", []) or []),
                kind=str(raw.get("kind", "") or ""),
                paraphrase=bool(raw.get("paraphrase", False)),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise DatasetError(f"{path}:{number}: {error}") from None
        if item.id in seen:
            raise DatasetError(f"{path}:{number}: duplicate id {item.id!r}")
        if item.answerable and not item.answers:
            raise DatasetError(f"{path}:{number}: answerable question without answers")
        if item.kind and item.kind not in KINDS:
            raise DatasetError(f"{path}:{number}: kind {item.kind!r} is not one of {', '.join(KINDS)}")
        seen.add(item.id)
        items.append(item)
    return items
