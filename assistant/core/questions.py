"""Checking a question before anything is done with it: control characters and runs of space
collapsed, empty and over-long questions refused with a message meant for the user.

Does not read the question (that is `assistant.answering.reading`), only cleans and bounds it.
"""

from __future__ import annotations


class InvalidQuestion(ValueError):
    """A question that cannot be asked as given; the message is meant for the user."""


def validated_question(question: str, max_chars: int) -> str:
    """The question with control characters and runs of space collapsed, or `InvalidQuestion`.

    Example: " Who\\x00 wrote  it? " -> "Who wrote it?".
    """
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question or "")
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InvalidQuestion("Please type a question.")
    if len(cleaned) > max_chars:
        raise InvalidQuestion(
            f"That question is {len(cleaned):,} characters long; please keep it under {max_chars:,}."
        )
    return cleaned
