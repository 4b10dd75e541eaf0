"""What the chat's events do, over one `Assistant` and the conversation the browser keeps.

Each method takes the event's inputs (the stored conversation first) and returns the values
for its outputs, as `app.build_app` wires them; none holds state between events, so a reload
loses nothing that was stored. Questions go to `Assistant.ask`; panels are drawn by
`rendering`, briefings by `briefing`, feedback stored by `feedback`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.answers import Answer, Citation
from assistant.core.service import Assistant, Filters, InvalidQuestion
from assistant.generative.values import GENERATIVE
from assistant.web import briefing, feedback, rendering
from assistant.web import generative as web_generative
from assistant.web.conversation import Conversation, Turn, chat_messages, check_question, shown
from assistant.web.documents import document_choices
from ingest.dates import filter_day

log = logging.getLogger(__name__)

NOT_ANSWERED = "No sources: the last question was not answered."


def parse_date(value: str, *, end: bool) -> str:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" as a full ISO day: the first day, or the last when `end`."""
    try:
        return filter_day(value, end=end)
    except ValueError:  # not a date, a month 13 or a 30th of February
        raise InvalidQuestion(f"“{value.strip()}” is not a date: use YYYY or YYYY-MM-DD.") from None


def _controls(chosen: list[str] | None, date_from: str, date_to: str, mode: str = "") -> dict[str, Any]:
    """The filter controls' values and the answer mode, in the form a saved conversation keeps them."""
    return {"chosen": list(chosen or []), "from": date_from, "to": date_to, "mode": mode}


def make_filters(all_documents: list[str], chosen: list[str] | None, date_from: str, date_to: str) -> Filters:
    """The UI's filter controls as `Filters`; every document chosen means no document filter."""
    chosen = list(chosen or [])
    if not chosen:
        raise InvalidQuestion("Choose at least one document under Filters.")
    documents = () if set(chosen) >= set(all_documents) else tuple(d for d in all_documents if d in chosen)
    start, stop = parse_date(date_from, end=False), parse_date(date_to, end=True)
    if start and stop and start > stop:
        raise InvalidQuestion("The “from” date is after the “to” date.")
    return Filters(documents=documents, date_from=start, date_to=stop)


def describe_filters(filters: Filters, total: int) -> str:
    """What the filters leave, in words, or "" when they are off.
    Example: "1 of 5 documents, from 2018-01-01"."""
    parts = []
    if filters.documents:
        parts.append(f"{len(filters.documents)} of {total} document{'s' if total != 1 else ''}")
    if filters.date_from:
        parts.append(f"from {filters.date_from}")
    if filters.date_to:
        parts.append(f"to {filters.date_to}")
    return ", ".join(parts)


def user_of(request: gr.Request | None) -> str:
    return (getattr(request, "username", None) or "") if request is not None else ""


class Chat:
    """The chat's event handlers for one assistant."""

    def __init__(self, assistant: Assistant, all_ids: list[str], export_dir: Path) -> None:
        self.assistant = assistant
        self.all_ids = all_ids
        self.export_dir = export_dir

    # --- the conversation --------------------------------------------------------------------

    def load(self, saved: Any, request: gr.Request | None) -> Conversation:
        limit = self.assistant.settings.conversation_max_turns
        return Conversation.from_json(saved, user_of(request), limit)

    def sources(self, conversation: Conversation, index: int | None) -> tuple[Any, Any, Any]:
        """Sources panel, citation choice and answer choice for turn `index` (None: the last turn)."""
        answered = conversation.answered()
        choices = [(f"{i + 1}. {shown(conversation.turns[i].question)[:80]}", i) for i in answered]
        if index is None and conversation.turns:
            index = len(conversation.turns) - 1
        turn = conversation.turn(index)
        documents = self.assistant.library.documents
        if turn is None or turn.answer is None:
            empty = NOT_ANSWERED if turn is not None else "Sources of the answer will appear here."
            html = rendering.sources_html(None, documents, empty=empty)
            return html, gr.update(choices=[], value=None), gr.update(choices=choices, value=None)
        answer = turn.answer
        return (
            rendering.sources_html(answer, documents, turn.marks),
            gr.update(
                choices=[(f"[{c.n}] {c.title}", c.n) for c in answer.citations],
                value=answer.citations[0].n if answer.citations else None,
            ),
            gr.update(choices=choices, value=index),
        )

    def restore(self, saved: Any, request: gr.Request) -> tuple[Any, ...]:
        """On page load: the stored conversation, its last sources, and a question still to answer."""
        conversation = self.load(saved, request)
        busy = bool(conversation.pending)
        return (
            conversation.to_json(),
            chat_messages(conversation),
            *self.sources(conversation, None),
            conversation.pending,
            gr.update(interactive=not busy),
            gr.update(interactive=not busy),
            gr.update(visible=not (conversation.turns or busy)),  # the examples: on an empty chat only
        )

    def new_conversation(self, request: gr.Request) -> tuple[Any, ...]:
        conversation = Conversation(user=user_of(request))
        return (
            conversation.to_json(),
            [],
            *self.sources(conversation, None),
            "",
            gr.update(value=None, interactive=False),
            "",
            "",
            gr.update(visible=True),
        )

    def start_turn(
        self,
        message: str,
        saved: Any,
        chosen: list[str],
        date_from: str,
        date_to: str,
        mode: str,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Show the question and the working note at once (the model's, when it is to write the
        answer); a question that cannot be asked stays in the box with the reason, and leaves no bubble."""
        problem = check_question(message, self.assistant.settings.max_question_chars)
        if problem:
            status = f'<p class="problem" role="alert">{rendering.escape(problem)}</p>'
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), status, "", gr.skip()
        conversation = self.load(saved, request)
        if conversation.pending:  # one question at a time: it would replace the one being answered
            status = '<p class="problem" role="alert">Wait for the answer to the question before.</p>'
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), status, "", gr.skip()
        conversation.pending = message
        mode = web_generative.chosen_mode(mode, self.assistant.settings)
        conversation.pending_filters = _controls(chosen, date_from, date_to, mode)
        return (
            conversation.to_json(),
            chat_messages(conversation),
            gr.update(value="", interactive=False),
            gr.update(interactive=False),
            "",
            message,
            gr.update(visible=False),
        )

    def finish_turn(
        self,
        pending: str,
        saved: Any,
        chosen: list[str] | None,
        date_from: str,
        date_to: str,
        mode: str,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Answer the question in progress; any failure becomes a message, the question goes back
        into the box, and the Sources panel stops showing the previous answer's passages.

        The filters and the answer mode are the controls' values as the question was asked: the
        browser's saved copy of the conversation may not hold them yet (it is written after this
        step starts); after a reload, the saved copy's are used."""
        conversation = self.load(saved, request)
        message = conversation.pending or pending
        if not message:
            return tuple(gr.skip() for _ in range(8))
        saved_filters = conversation.pending == pending and conversation.pending_filters
        raw = (
            conversation.pending_filters
            if saved_filters or not pending
            else _controls(chosen, date_from, date_to, mode)
        )
        box: Any = gr.update(interactive=True)
        try:
            filters = make_filters(
                self.all_ids, raw.get("chosen", self.all_ids), raw.get("from", ""), raw.get("to", "")
            )
            self.assistant.refresh(self.assistant.settings.refresh_interval_s)  # adopt a finished re-ingest
            mode = web_generative.chosen_mode(raw.get("mode"), self.assistant.settings)
            turn = self._answered(message, conversation.history(), filters, mode)
        except InvalidQuestion as error:
            turn, box = Turn(message, error=str(error)), gr.update(value=message, interactive=True)
        except Exception:  # never a stack trace in the chat
            log.exception("answering failed")
            turn = Turn(message, error="Something went wrong while answering; please try again.")
            box = gr.update(value=message, interactive=True)
        conversation.turns = [*conversation.turns, turn][-self.assistant.settings.conversation_max_turns :]
        conversation.pending, conversation.pending_filters = "", {}
        return (
            conversation.to_json(),
            chat_messages(conversation),
            box,
            gr.update(interactive=True),
            *self.sources(conversation, None),
            "",
        )

    def _answered(self, message: str, history: list[str], filters: Filters, mode: str) -> Turn:
        """The turn of `message` answered in `mode`: written by the model and checked, or quoted;
        a generated answer that fell back to the quoted one keeps why, and what was removed."""
        described = describe_filters(filters, len(self.all_ids))
        if mode != GENERATIVE:
            answer = self.assistant.ask(message, history, filters=filters)
            return Turn(message, answer, filters=described, mode=mode)
        result = self.assistant.ask_generative(message, history, filters=filters)
        return Turn(
            message,
            result.answer,
            filters=described,
            mode=result.mode,
            fallback_reason=result.fallback_reason or "",
            removed=list(result.removed),
        )

    # --- the sources panel and the sign-off ------------------------------------------------

    def _cited(
        self, saved: Any, index: Any, n: Any, request: gr.Request
    ) -> tuple[Conversation, Turn, Citation]:
        conversation = self.load(saved, request)
        turn = conversation.turn(index)
        if turn is None or turn.answer is None:
            raise LookupError("Ask a question first; its citations appear here.")
        citation = next((c for c in turn.answer.citations if str(c.n) == str(n)), None)
        if citation is None:
            raise LookupError("Choose a citation first.")
        return conversation, turn, citation

    def show_turn(self, index: Any, saved: Any, request: gr.Request) -> tuple[Any, Any]:
        html, choice, _ = self.sources(self.load(saved, request), index)
        return html, choice

    def mark(self, kind: str, index: Any, n: Any, saved: Any, request: gr.Request) -> tuple[Any, Any, str]:
        """Mark a citation checked or wrong; a wrong one is also stored as feedback."""
        try:
            conversation, turn, citation = self._cited(saved, index, n, request)
        except LookupError as error:
            return gr.skip(), gr.skip(), rendering.escape(str(error))
        turn.marks[citation.n] = kind
        note = f"[{citation.n}] marked {kind}."
        if kind == "wrong" and turn.answer is not None:
            try:
                comment = f"citation [{citation.n}] marked wrong: {citation.source}"
                feedback.record(self.assistant.settings.data_dir, turn.answer, "wrong citation", comment)
                note += " Recorded as feedback on the citation."
            except Exception:
                log.exception("storing feedback failed")
                note += " (The feedback could not be stored.)"
        html = rendering.sources_html(turn.answer, self.assistant.library.documents, turn.marks)
        return conversation.to_json(), html, note

    def copy_citation(self, index: Any, n: Any, saved: Any, request: gr.Request) -> tuple[str, str]:
        try:
            _, _, citation = self._cited(saved, index, n, request)
        except LookupError as error:
            return "", rendering.escape(str(error))
        text = briefing.citation_text(citation, self.assistant.library.documents.get(citation.source))
        return text, f"[{citation.n}] copied with its reference."

    def open_citation(self, index: Any, n: Any, saved: Any, request: gr.Request) -> tuple[Any, ...]:
        try:
            _, _, citation = self._cited(saved, index, n, request)
        except LookupError:
            return gr.skip(), gr.skip(), gr.skip()
        library = self.assistant.library
        document = library.documents.get(citation.source)
        if library.verify(citation.source, citation.start, citation.end, citation.quote):
            html = rendering.viewer_html(document, citation.start, citation.end, citation.page)
        else:  # the document changed since this answer: show it, highlight nothing that is not the quote
            html = rendering.viewer_html(document)
        # The choices as they are now: the document may have been added since the page was loaded.
        choices = document_choices(library.documents)
        return html, gr.update(choices=choices, value=citation.source), gr.Tabs(selected="viewer")

    def show_document(self, doc_id: str | None) -> str:
        return rendering.viewer_html(self.assistant.library.documents.get(doc_id or ""))

    # --- briefing and feedback ---------------------------------------------------------------

    def briefing(self, saved: Any, request: gr.Request) -> tuple[Any, Any]:
        """The conversation's briefing as Markdown and .docx, made after the answer is shown,
        outside the slot questions are answered in (writing the .docx takes longer than an answer)."""
        conversation = self.load(saved, request)
        if not conversation.turns:
            return "", gr.update(value=None, interactive=False)
        documents = self.assistant.library.documents
        markdown = briefing.conversation_markdown(conversation.turns, documents)
        stale = time.time() - 3600  # Gradio has copied older files into its cache by now
        for old in self.export_dir.glob("briefing-*.docx"):
            if old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
        path = self.export_dir / f"briefing-{dt.date.today().isoformat()}-{os.urandom(4).hex()}.docx"
        briefing.write_conversation_docx(conversation.turns, documents, path)
        return markdown, gr.update(value=str(path), interactive=True)

    def give_feedback(self, kind: str, comment: str, saved: Any, request: gr.Request) -> tuple[str, Any]:
        conversation = self.load(saved, request)
        answered = conversation.answered()
        answer: Answer | None = conversation.turns[answered[-1]].answer if answered else None
        if answer is None:
            return "Ask a question first, then say whether its answer was right.", gr.skip()
        try:
            feedback.record(self.assistant.settings.data_dir, answer, kind, comment or "")
        except Exception:
            log.exception("storing feedback failed")
            return "Sorry, the feedback could not be stored.", gr.skip()
        return f"Thanks — recorded “{kind}” for: {rendering.chat_text(shown(answer.question))}", ""
