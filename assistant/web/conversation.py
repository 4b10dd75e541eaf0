"""A chat conversation as the browser keeps it: turns, citation marks and a question in progress.

The chat stores one `Conversation` in the browser's local storage (`gr.BrowserState`), so a reload
shows the same conversation, sources and briefing, and a question asked before the reload is
answered after it. What comes back from the browser is untrusted: `Conversation.from_json` keeps
only well-formed parts, and the briefing checks every quote against its document again.
Does not render the side panels (`rendering`) or write briefings (`briefing`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.core.answers import Answer, Citation
from assistant.generative.values import GENERATIVE, Removed
from assistant.web import generative as web_generative
from assistant.web import rendering

MARKS = ("checked", "wrong")
SHOWN_QUESTION_CHARS = 400
_TEXT_CAP = 20_000  # no stored string is longer: a quote or an answer is far shorter
_REMOVED_CAP = 1_000  # removed sentences kept per answer: a model's reply (max_tokens) holds fewer


@dataclass
class Turn:
    """One question and what came of it: an answer, or the message that replaced one."""

    question: str
    answer: Answer | None = None
    error: str = ""
    marks: dict[int, str] = field(default_factory=dict)  # citation n -> "checked" | "wrong"
    filters: str = ""  # what the filters left, in words ("1 of 5 documents"), or "" without filters
    mode: str = ""  # "generative" or "extractive" with the chat's switch (a model configured), else ""
    fallback_reason: str = ""  # why the model's answer was not used, when it was asked for
    removed: list[Removed] = field(default_factory=list)  # the model's sentences the check removed


@dataclass
class Conversation:
    """What the chat shows, oldest turn first; `pending` is a question sent but not yet answered,
    `pending_filters` the controls as it was asked (filters and, with the switch, "mode")."""

    user: str = ""
    turns: list[Turn] = field(default_factory=list)
    pending: str = ""
    pending_filters: dict[str, Any] = field(default_factory=dict)

    def history(self) -> list[str]:
        """The earlier answered questions, for follow-ups."""
        return [t.question for t in self.turns if t.answer is not None]

    def answered(self) -> list[int]:
        """Indexes of the turns that have an answer (what the Sources panel can show)."""
        return [i for i, t in enumerate(self.turns) if t.answer is not None]

    def turn(self, index: Any) -> Turn | None:
        try:
            i = int(index)
        except (TypeError, ValueError):
            return None
        return self.turns[i] if 0 <= i < len(self.turns) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "pending": self.pending,
            "pending_filters": self.pending_filters,
            "turns": [
                {
                    "question": t.question,
                    "answer": _answer_json(t.answer) if t.answer else None,
                    "error": t.error,
                    "marks": {str(n): mark for n, mark in t.marks.items()},
                    "filters": t.filters,
                    "mode": t.mode,
                    "fallback_reason": t.fallback_reason,
                    "removed": [{"sentence": r.sentence, "reason": r.reason} for r in t.removed],
                }
                for t in self.turns
            ],
        }

    @classmethod
    def from_json(cls, value: Any, user: str, max_turns: int) -> Conversation:
        """The stored conversation of `user`, keeping what is well formed; an empty one when the
        value is missing, malformed or another user's (a shared computer after a logout)."""
        if not isinstance(value, dict) or _text(value.get("user")) != user:
            return cls(user=user)
        turns = []
        for raw in value.get("turns") or []:
            if isinstance(raw, dict) and (turn := _turn(raw)) is not None:
                turns.append(turn)
        pending_filters = value.get("pending_filters")
        return cls(
            user=user,
            turns=turns[-max_turns:],
            pending=_text(value.get("pending")),
            pending_filters=pending_filters if isinstance(pending_filters, dict) else {},
        )


def check_question(text: str, max_chars: int) -> str:
    """Why `text` cannot be asked, in words, or "" when it can; counts as the service does
    (runs of space as one). Example: 2,124 characters -> "Your question is 2,124 characters
    long; the limit is 2,000. …" """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        return "Please type a question."
    if len(cleaned) > max_chars:
        return (
            f"Your question is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
            "It is still in the box: shorten it, then ask again."
        )
    return ""


def shown(question: str) -> str:
    """A question as its bubble shows it: long ones cut, with an ellipsis."""
    if len(question) > SHOWN_QUESTION_CHARS:
        return question[:SHOWN_QUESTION_CHARS] + "…"
    return question


def working_note(called: str) -> str:
    """What the chat shows while it searches; `called` is what the settings call the documents.
    Example: "the reports" -> "<em>Searching the reports…</em>"."""
    return f"<em>Searching {called}…</em>"


def answer_html(
    answer: Answer,
    filters: str = "",
    mode: str = "",
    fallback_reason: str = "",
    removed: Sequence[Removed] = (),
    *,
    called: str,
) -> str:
    """The answer bubble (escaped text, Markdown off): the answer with its [n] markers, which mode
    wrote it (with the chat's switch), the searched query when it differs, what the filters left
    when they were on, and the sentences the check removed, collapsed."""
    text = rendering.chat_text(answer.text)
    notes = []
    if words := web_generative.mode_words(mode, called, fallback_reason):
        notes.append(rendering.chat_text(words))
    if answer.query.strip() != answer.question.strip():
        notes.append(f"Searched for: {rendering.chat_text(answer.query)}")
    if filters:
        notes.append(f"Filters on: {rendering.chat_text(filters)}")
    if notes:
        text += "<br><br><sub>" + "<br>".join(notes) + "</sub>"
    return text + web_generative.removed_html(removed)


def chat_messages(conversation: Conversation, called: str) -> list[dict[str, str]]:
    """The Chatbot's messages: every turn, then the question in progress with the working note;
    `called` is what the settings call the documents ("Searching the reports…")."""
    messages = []
    for t in conversation.turns:
        messages.append({"role": "user", "content": rendering.chat_text(shown(t.question))})
        reply = (
            answer_html(t.answer, t.filters, t.mode, t.fallback_reason, t.removed, called=called)
            if t.answer
            else f"⚠️ {rendering.chat_text(t.error)}"
        )
        messages.append({"role": "assistant", "content": reply})
    if conversation.pending:
        writing = conversation.pending_filters.get("mode") == GENERATIVE
        messages.append({"role": "user", "content": rendering.chat_text(shown(conversation.pending))})
        note = web_generative.writing_note(called) if writing else working_note(called)
        messages.append({"role": "assistant", "content": note})
    return messages


_CITATION_FIELDS = {f.name: f.type for f in dataclasses.fields(Citation)}


def _answer_json(answer: Answer) -> dict[str, Any]:
    """The answer without its retrieved passages (the chat never shows them; they would only
    fill the browser's storage)."""
    data = answer.to_dict()
    data.pop("passages", None)
    return data


def _text(value: Any) -> str:
    return value[:_TEXT_CAP] if isinstance(value, str) else ""


def _citation(raw: Any) -> Citation | None:
    if not isinstance(raw, dict):
        return None
    values: dict[str, Any] = {}
    for name in _CITATION_FIELDS:
        value = raw.get(name)
        if name in ("n", "start", "end"):
            if not isinstance(value, int) or isinstance(value, bool):
                return None
        elif name in ("source", "title", "quote"):
            value = _text(value)
        elif name not in raw or not (value is None or isinstance(value, int | str)):
            continue  # a missing or malformed page or section keeps its default
        elif isinstance(value, str):
            value = _text(value)
        values[name] = value
    try:
        return Citation(**values)
    except TypeError:
        return None


def _answer(raw: Any) -> Answer | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("answer"), str):
        return None
    citations = [c for c in map(_citation, raw.get("citations") or []) if c is not None]
    confidence = raw.get("confidence")
    return Answer(
        question=_text(raw.get("question")),
        query=_text(raw.get("query")) or _text(raw.get("question")),
        text=_text(raw.get("answer")),
        answered=raw.get("answered") is True,
        citations=citations,
        short_answer=_text(raw.get("short_answer")),
        confidence=float(confidence) if isinstance(confidence, int | float) else 0.0,
    )


def _turn(raw: dict[str, Any]) -> Turn | None:
    question = _text(raw.get("question"))
    if not question:
        return None
    answer = _answer(raw.get("answer"))
    marks = {}
    for n, mark in (raw.get("marks") or {}).items() if isinstance(raw.get("marks"), dict) else ():
        if str(n).isdigit() and mark in MARKS:
            marks[int(n)] = mark
    error = _text(raw.get("error"))
    if answer is None and not error:
        return None
    mode = raw.get("mode") if raw.get("mode") in web_generative.MODES else ""
    stored = raw.get("removed")
    removed = [
        Removed(_text(r.get("sentence")), _text(r.get("reason")))
        for r in (stored if isinstance(stored, list) else [])[:_REMOVED_CAP]
        if isinstance(r, dict) and _text(r.get("sentence"))
    ]
    return Turn(
        question,
        answer,
        error,
        marks,
        _text(raw.get("filters")),
        str(mode),
        _text(raw.get("fallback_reason")) if mode else "",
        removed if mode else [],
    )
