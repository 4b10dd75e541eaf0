"""The earlier turns a follow-up is rewritten from: each earlier question answered (through the
version's own `ask`, so once, then cached) and reduced to what the rewrite needs.

Does not rewrite the follow-up (that is `assistant.answering.followup`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answering.followup import Turn
from assistant.core.answers import Answer
from assistant.core.filters import Filters

Ask = Callable[[str, Sequence[str], Filters | None, str | None], Answer]
"""Answer a question given its history, filters and retrieval mode (`IndexVersion.ask`)."""


@dataclass(frozen=True)
class AnsweredTurn(Turn):
    """An earlier turn with where its first quote came from (a follow-up should go beyond it)."""

    source: str = ""
    start: int = -1


def answered_turns(
    ask: Ask, history: list[str], filters: Filters | None, mode: str | None
) -> list[AnsweredTurn]:
    """The last two earlier questions with how they were answered (each answered once, then cached)."""
    turns = []
    for depth in range(min(len(history), 2), 0, -1):
        earlier = ask(history[-depth], history[:-depth], filters, mode)
        first = earlier.citations[0] if earlier.answered and earlier.citations else None
        turns.append(
            AnsweredTurn(
                question=earlier.query,
                short_answer=earlier.short_answer if earlier.answered else "",
                quote=first.quote if first else "",
                source=first.source if first else "",
                start=first.start if first else -1,
            )
        )
    return turns
