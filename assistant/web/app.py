"""The Gradio chat page: its chat column laid out and wired to `Chat` over one `Assistant`.

No business logic here: what each event does is in `assistant.web.chat` (and `panel_events`
for the panels column, which `panels` lays out), the conversation the browser keeps (across
reloads) in `assistant.web.conversation`, the CSS and JavaScript in `assistant.web.page`, the
API's `/ask` in `api`. The page's wording that names the collection comes from the settings
(`ui_*`). `build_app` makes the Blocks; `serving` launches it.
"""

from __future__ import annotations

import os
from typing import Any

import gradio as gr

from assistant.core.service import Assistant
from assistant.web import feedback, panels
from assistant.web import generative as web_generative
from assistant.web.api import ask_route
from assistant.web.browser_state import STORAGE_KEY, browser_key
from assistant.web.chat import Chat
from assistant.web.conversation import Conversation
from assistant.web.documents import DocumentsTab, document_choices
from assistant.web.page import FOCUS_QUESTION
from assistant.web.panel_events import PanelEvents, briefings_folder
from assistant.web.panels import PRIVATE


def _quiet_gradio() -> None:
    """Gradio's analytics off, and its summary of past events after every request made rare.

    Gradio reads these from the environment only: the first wherever it might send analytics,
    the other two when `Blocks.queue` (the end of `build_app`) makes the queue. So they are set
    when the app is built, never at import; the other two keep a value the environment gives.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline
    # Gradio summarises up to 10,000 past events in pandas after every request, for a monitoring
    # page that is off; measured at 4-16 ms a request on a server that has been up a while.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000")
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")


def _feedback(chat_events: Chat, kind: str) -> Any:
    """`Chat.give_feedback` for one kind of feedback, with the `gr.Request` annotation Gradio looks
    for (a lambda or `functools.partial` would lose it)."""

    def give(comment: str, saved: Any, request: gr.Request) -> Any:
        return chat_events.give_feedback(kind, comment, saved, request)

    return give


def build_app(assistant: Assistant) -> Any:
    """The chat over `assistant`, queued, ready for `serving.launch`."""
    _quiet_gradio()
    settings = assistant.settings
    called = settings.answering.called  # what answers and the chat call the documents
    doc_choices = document_choices(assistant.library.documents)
    all_ids = [doc_id for _, doc_id in doc_choices]
    chat_events = Chat(assistant, all_ids)
    panel_events = PanelEvents(chat_events, briefings_folder())
    documents_events = DocumentsTab(assistant)

    # --- layout -------------------------------------------------------------------------------

    with gr.Blocks(title=settings.serving.ui_title, analytics_enabled=False) as app:
        gr.Markdown(f"## {settings.serving.ui_title}\n{settings.serving.ui_intro}")
        saved = gr.BrowserState(
            Conversation().to_json(),
            storage_key=STORAGE_KEY,
            secret=browser_key(settings.index.data_dir),
        )
        pending = gr.State("")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, elem_id="chat-column"):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=520,
                    placeholder=f"**Ask about {called}**: type a question below, or start with an example.",
                    feedback_options=None,
                    buttons=["copy", "copy_all"],  # no "share": it posts to Hugging Face, and has no name
                    # Messages are escaped HTML (`rendering.chat_text`): no Markdown, so a quoted
                    # `![x](url)` or "18." stays text, and no LaTeX, so `$$x$$` does.
                    render_markdown=False,
                    latex_delimiters=[],
                    sanitize_html=True,
                )
                # The switch between quoted and model-written answers, only with a model configured.
                answer_mode: Any = (
                    gr.Radio(
                        choices=web_generative.choices(called),
                        value=settings.llm.chat_mode,
                        label=web_generative.SWITCH_LABEL,
                        elem_id="answer-mode",
                    )
                    if web_generative.switch_shown(settings)
                    else gr.State("")
                )
                with gr.Row(elem_id="question-row"):
                    question = gr.Textbox(
                        elem_id="question",
                        label="Your question",
                        show_label=False,
                        placeholder=settings.serving.ui_question_placeholder,
                        scale=5,
                        max_lines=4,
                        # Closed until the stored conversation is restored (`restore` opens it): a
                        # question asked before would be overwritten by the restored conversation.
                        interactive=False,
                    )
                    ask_button = gr.Button(
                        "Ask", variant="primary", elem_id="ask", scale=1, min_width=80, interactive=False
                    )
                    new_button = gr.Button(
                        "New conversation", elem_id="new-conversation", scale=1, min_width=80
                    )
                question_status = gr.HTML("", elem_id="question-status")
                # Plain buttons rather than the Chatbot's examples, whose list markup lacks list items
                # (axe: aria-required-children); shown while the conversation is empty.
                with gr.Row(elem_id="examples", visible=False) as examples:  # `restore` shows them
                    example_buttons = [
                        gr.Button(q, size="sm", elem_classes="example") for q in settings.serving.ui_examples
                    ]
                with gr.Row(elem_id="feedback"):
                    feedback_buttons = {
                        kind: gr.Button(
                            kind.capitalize(), size="sm", elem_id=f"feedback-{kind.replace(' ', '-')}"
                        )
                        for kind in feedback.KINDS
                    }
                    feedback_comment = gr.Textbox(
                        label="Comment on the answer",
                        show_label=False,
                        placeholder="Optional comment",
                        elem_id="feedback-comment",
                        scale=3,
                    )
                feedback_status = gr.HTML("", elem_id="feedback-status")  # holds the question: not Markdown
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    chosen = gr.CheckboxGroup(
                        choices=doc_choices, value=all_ids, label="Documents", elem_id="filter-documents"
                    )
                    with gr.Row():
                        date_from = gr.Textbox(label="From (YYYY or YYYY-MM-DD)", elem_id="date-from")
                        date_to = gr.Textbox(label="To (YYYY or YYYY-MM-DD)", elem_id="date-to")
            side = panels.lay_out(doc_choices, documents_events.intro())

        # --- wiring -------------------------------------------------------------------------
        concurrency = settings.serving.answer_concurrency
        answering = {"concurrency_id": "assistant", "concurrency_limit": concurrency, **PRIVATE}
        sources_outputs = [side.sources, side.citation_choice, side.turn_choice]
        finish_outputs = [saved, chat, question, ask_button, *sources_outputs, pending]

        def answer_then_brief(event: Any) -> None:
            event.then(
                chat_events.finish_turn,
                [pending, saved, chosen, date_from, date_to, answer_mode],
                finish_outputs,
                **answering,
            ).then(panel_events.briefing, [saved], [side.briefing_md, side.download], **PRIVATE)

        def take_turn(trigger: Any) -> None:
            """Show the question and the working state at once, then answer in the queue."""
            answer_then_brief(
                trigger(
                    chat_events.start_turn,
                    [question, saved, chosen, date_from, date_to, answer_mode],
                    [saved, chat, question, ask_button, question_status, pending, examples],
                    queue=False,
                    **PRIVATE,
                )
            )

        take_turn(question.submit)
        take_turn(ask_button.click)
        for button in example_buttons:
            take_turn(button.click(lambda text: text, [button], [question], queue=False, **PRIVATE).then)
        # A reload: the stored conversation comes back, and a question asked before it is answered.
        # Outside the queue, so that the question box opens as soon as the page is up.
        restored = app.load(
            chat_events.restore,
            [saved],
            [saved, chat, *sources_outputs, pending, question, ask_button, examples],
            queue=False,
            **PRIVATE,
        )
        restored.then(None, js=FOCUS_QUESTION, **PRIVATE)
        answer_then_brief(restored)
        if isinstance(answer_mode, gr.Radio):
            app.load(None, js=web_generative.NAME_THE_SWITCH, **PRIVATE)
        cleared = [
            saved,
            chat,
            *sources_outputs,
            side.briefing_md,
            side.download,
            question_status,
            side.citation_status,
            examples,
        ]
        new_button.click(chat_events.new_conversation, None, cleared, queue=False, **PRIVATE)
        chat.clear(chat_events.new_conversation, None, cleared, queue=False, **PRIVATE)

        panels.wire_sources(side, panel_events, saved)
        for kind, button in feedback_buttons.items():
            button.click(
                _feedback(chat_events, kind),
                [feedback_comment, saved],
                [feedback_status, feedback_comment],
                queue=False,
                **PRIVATE,
            )
        panels.wire_documents(side, documents_events, app)
        gr.api(  # type: ignore[attr-defined]
            ask_route(assistant), api_name="ask", concurrency_id="assistant", concurrency_limit=concurrency
        )
    return app.queue(default_concurrency_limit=concurrency, max_size=settings.serving.queue_size)
