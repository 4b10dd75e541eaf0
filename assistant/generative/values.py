"""What a generative answer is: the answer shown, how it was made, and what was taken out.

A plain value for `--json`, the evals and a chat switch (mode, answer, citations, removed,
fallback_reason). Does not call a model or check anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.core.answers import Answer

GENERATIVE = "generative"
EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class Removed:
    """A sentence the model wrote that is not shown, and why (one short reason)."""

    sentence: str
    reason: str


@dataclass
class GenerativeAnswer:
    """`answer` as shown; `mode` says who wrote it. In extractive mode `fallback_reason` says why."""

    mode: str
    answer: Answer
    removed: list[Removed] = field(default_factory=list)
    fallback_reason: str | None = None
    model_seconds: float = 0.0  # time spent waiting for the model, 0 when it was not asked

    def to_dict(self) -> dict[str, Any]:
        """The extractive `--json` fields, plus mode, removed and fallback_reason."""
        return {
            **self.answer.to_dict(),
            "mode": self.mode,
            "removed": [asdict(r) for r in self.removed],
            "fallback_reason": self.fallback_reason,
            "model_seconds": round(self.model_seconds, 3),
        }
