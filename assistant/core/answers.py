"""Values the assistant returns: citations, retrieved passages and answers.

Plain dataclasses with `to_dict` for `--json`, the API and the evals, so every surface
shows the same fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """A numbered quote: `quote == document.text[start:end]`, checked when it is made."""

    n: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    page: int | None = None  # the page of a paged document (PDF), from 1; None otherwise
    section: str = ""  # the headings it sits under: "3. Leadership › 3.2 Workforce"


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage as retrieval ranked it, with the scores that put it there."""

    id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None
    dense_similarity: float | None = None


@dataclass
class Answer:
    """What `Assistant.ask` returns; `answered` is False when the reports do not say."""

    question: str
    query: str
    text: str
    answered: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[RetrievedPassage] = field(default_factory=list)
    short_answer: str = ""  # the lead ("Steve Walker", "Yes"), or "" when the answer has none
    confidence: float = 0.0  # the model's probability that the cited sentence answers the question

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.text,
            "answered": self.answered,
            "short_answer": self.short_answer or None,
            "confidence": self.confidence,
            "citations": [asdict(c) for c in self.citations],
            "passages": [asdict(p) for p in self.passages],
        }
