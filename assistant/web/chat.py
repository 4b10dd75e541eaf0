"""What the chat's own events do: asking, answering, restoring and starting a conversation, and
feedback on an answer, over one `Assistant` and the conversation the browser keeps.

Each method takes the event's inputs (the stored conversation first) and returns the values
for its outputs, as `app.build_app` wires them; none holds state between events, so a reload
loses nothing that was stored. Questions go to `Assistant.ask`; the Sources panel is drawn by
`rendering`, feedback stored by `feedback`. The panels' own events (citations, the viewer, the
briefing) are `panel_events`.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from assistant.core.answers import Answer
from assistant.core.filters import Filters
from assistant.core.questions import InvalidQuestion
from assistant.core.service import Assistant
from assistant.generative.values import GENERATIVE
from assistant.web import feedback, rendering
from assistant.web import generative as web_generative
from assistant.web.conversation import Conversation, Turn, chat_messages, check_question, shown
from assistant.web.filter_controls import describe_filters, make_filters, saved_controls

log = logging.getLogger(__name__)

NOT_ANSWERED = "No sources: the last question was not answered."


def user_of(request: gr.Request | None) -> str:
    return (getattr(request, "username", None) or "") if request is not None else ""


class Chat:
    """The chat column's event handlers for one assistant."""

    def __init__(self, assistant: Assistant, all_ids: list[str]) -> None:
        self.assistant = assistant
        self.all_ids = all_ids

    @property
    def called(self) -> str:
        """What the settings call the documents, for the working note ("Searching the reports…")."""
        return self.assistant.settings.answering.called

    # --- the conversation --------------------------------------------------------------------

    def load(self, saved: Any, request: gr.Request | None) -> Conversation:
        limit = self.assistant.settings.serving.conversation_max_turns
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
            rendering.sources_html(answer, documents, turn.marks, turn=index),
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
            chat_messages(conversation, self.called),
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
        problem = check_question(message, self.assistant.settings.serving.max_question_chars)
        if problem:
            status = f'<p class="problem" role="alert">{rendering.escape(problem)}</p>'
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), status, "", gr.skip()
        conversation = self.load(saved, request)
        if conversation.pending:  # one question at a time: it would replace the one being answered
            status = '<p class="problem" role="alert">Wait for the answer to the question before.</p>'
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), status, "", gr.skip()
        conversation.pending = message
        mode = web_generative.chosen_mode(mode, self.assistant.settings)
        conversation.pending_filters = saved_controls(chosen, date_from, date_to, mode)
        return (
            conversation.to_json(),
            chat_messages(conversation, self.called),
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
            else saved_controls(chosen, date_from, date_to, mode)
        )
        box: Any = gr.update(interactive=True)
        try:
            filters = make_filters(
                self.all_ids, raw.get("chosen", self.all_ids), raw.get("from", ""), raw.get("to", "")
            )
            self.assistant.refresh(
                self.assistant.settings.serving.refresh_interval_s
            )  # adopt a finished re-ingest
            mode = web_generative.chosen_mode(raw.get("mode"), self.assistant.settings)
            turn = self._answered(message, conversation.history(), filters, mode)
        except InvalidQuestion as error:
            turn, box = Turn(message, error=str(error)), gr.update(value=message, interactive=True)
        except Exception:  # never a stack trace in the chat
            log.exception("answering failed")
            turn = Turn(message, error="Something went wrong while answering; please try again.")
            box = gr.update(value=message, interactive=True)
        conversation.turns = [*conversation.turns, turn][
            -self.assistant.settings.serving.conversation_max_turns :
        ]
        conversation.pending, conversation.pending_filters = "", {}
        return (
            conversation.to_json(),
            chat_messages(conversation, self.called),
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

    # --- feedback ----------------------------------------------------------------------------

    def give_feedback(self, kind: str, comment: str, saved: Any, request: gr.Request) -> tuple[str, Any]:
        conversation = self.load(saved, request)
        answered = conversation.answered()
        answer: Answer | None = conversation.turns[answered[-1]].answer if answered else None
        if answer is None:
            return "Ask a question first, then say whether its answer was right.", gr.skip()
        try:
            feedback.record(self.assistant.settings.index.data_dir, answer, kind, comment or "")
        except Exception:
            log.exception("storing feedback failed")
            return "Sorry, the feedback could not be stored.", gr.skip()
        return f"Thanks — recorded “{kind}” for: {rendering.chat_text(shown(answer.question))}", ""
