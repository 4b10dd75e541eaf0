"""The Gradio chat: a thin layer that wires UI events to one `Assistant`.

No business logic here: questions go to `Assistant.ask`, what comes back is rendered by
`assistant.rendering` (HTML, always escaped) and exported by `assistant.briefing`.
`build_app` makes the Blocks, `launch` starts it (with the page's CSS/JS), `serve` is
what `assistant serve` calls.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: before gradio is imported
# Gradio summarises up to 10,000 past events in pandas after every request, for a monitoring
# page that is off; measured at 4-16 ms a request on a server that has been up a while.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

import gradio as gr  # noqa: E402

from assistant import auth, briefing, feedback, rendering
from assistant.answers import Answer
from assistant.service import Assistant, Filters, InvalidQuestion, create_assistant, date_span
from assistant.settings import Settings

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who carried out the 2025 report?",
    "How many recommendations does the assurance report make?",
    "What did inspectors find in October 2018?",
]

WORKING = "_Searching the reports…_"
SHOWN_QUESTION_CHARS = 400

CSS = """
#viewer .viewer-text { white-space: pre-wrap; max-height: 60vh; overflow-y: auto; font-size: 0.92em;
  line-height: 1.5; padding: 0.5em; border: 1px solid var(--border-color-primary); border-radius: 6px; }
#viewer mark, #sources mark { background: #ffe58a; color: inherit; padding: 0 1px; }
#sources .citation { margin-bottom: 1em; }
#sources .citation-file, #viewer .citation-file { font-size: 0.8em; opacity: 0.75; }
#sources blockquote { margin: 0.3em 0 0 0; padding-left: 0.7em; border-left: 3px solid #ccc; }
"""

SCROLL_TO_CITED = """
() => {
  const go = (tries) => {
    const el = document.querySelector('#viewer mark#cited');
    if (el) { el.scrollIntoView({block: 'center'}); }
    else if (tries > 0) { setTimeout(() => go(tries - 1), 100); }
  };
  setTimeout(() => go(30), 50);
}
"""

COPY_BRIEFING = """
(text) => {
  try { if (text && navigator.clipboard) { navigator.clipboard.writeText(text); } } catch (e) {}
  return text;
}
"""

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_date(value: str, *, end: bool) -> str:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" as a full ISO day: the first day, or the last when `end`."""
    value = (value or "").strip()
    if not value:
        return ""
    if not _DATE.match(value):
        raise InvalidQuestion(f"“{value}” is not a date: use YYYY or YYYY-MM-DD.")
    try:
        first, last = (dt.date.fromisoformat(day).isoformat() for day in date_span(value))
    except ValueError:  # a month 13 or a 30th of February
        raise InvalidQuestion(f"“{value}” is not a date: use YYYY or YYYY-MM-DD.") from None
    return last if end else first


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


def answer_markdown(answer: Answer) -> str:
    """The chat bubble: the answer with its [n] markers, and the searched query when it differs."""
    text = rendering.chat_text(answer.text)
    if answer.query.strip() != answer.question.strip():
        text += f"\n\n<sub>Searched for: {rendering.chat_text(answer.query)}</sub>"
    return text


def _shown(question: str) -> str:
    question = question or ""
    if len(question) > SHOWN_QUESTION_CHARS:
        return question[:SHOWN_QUESTION_CHARS] + "…"
    return question


def _text_of(content: Any) -> str:
    """A chat message's text, whether the frontend sent it as a string or as typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, list):
        return "".join(_text_of(part) for part in content)
    return ""


def _document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    choices = []
    for doc_id, document in sorted(assistant.library.documents.items()):
        date = f" ({document.meta.date})" if document.meta.date else ""
        choices.append((f"{document.title}{date}", doc_id))
    return choices


def build_app(assistant: Assistant) -> Any:
    # Panels read the documents of the version the assistant holds now, not of the one at start:
    # `ask` may have adopted a re-ingest since.
    doc_choices = _document_choices(assistant)
    all_ids = [doc_id for _, doc_id in doc_choices]
    export_dir = Path(tempfile.mkdtemp(prefix="assistant-briefings-"))

    def ask(question: str, history: list[str], filters: Filters | None) -> Answer:
        assistant.refresh(assistant.settings.refresh_interval_s)  # adopt a finished re-ingest
        return assistant.ask(question, history, filters=filters)

    # --- events -------------------------------------------------------------------------------

    def start_turn(message: str, chat: list[dict[str, Any]]) -> tuple[Any, ...]:
        chat = list(chat or [])
        chat.append({"role": "user", "content": rendering.chat_text(_shown(message))})
        chat.append({"role": "assistant", "content": WORKING})
        return chat, gr.update(value="", interactive=False), gr.update(interactive=False), message

    def finish_turn(
        message: str,
        chat: list[dict[str, Any]],
        asked: list[str],
        chosen: list[str],
        date_from: str,
        date_to: str,
        previous: Answer | None,
    ) -> tuple[Any, ...]:
        chat = list(chat or [])
        if chat and chat[-1].get("role") == "assistant" and _text_of(chat[-1].get("content")) == WORKING:
            chat.pop()
        asked = list(asked or [])
        answer: Answer | None = None
        try:
            filters = make_filters(all_ids, chosen, date_from, date_to)
            answer = ask(message, asked, filters)
        except InvalidQuestion as error:
            reply = f"⚠️ {rendering.chat_text(str(error))}"
        except Exception:  # never a stack trace in the chat
            log.exception("answering failed")
            reply = "⚠️ Something went wrong while answering; please try again."
        else:
            reply = answer_markdown(answer)
            asked.append(answer.question)
        chat.append({"role": "assistant", "content": reply})
        enable = (gr.update(interactive=True), gr.update(interactive=True))
        if answer is None:  # keep the panels of the last good answer
            return (chat, asked, previous, gr.skip(), gr.skip(), *enable)
        return (
            chat,
            asked,
            answer,
            rendering.sources_html(answer, assistant.library.documents),
            gr.update(
                choices=[(f"[{c.n}] {c.title}", c.n) for c in answer.citations],
                value=answer.citations[0].n if answer.citations else None,
            ),
            *enable,
        )

    def prepare_briefing(answer: Answer | None) -> tuple[Any, Any]:
        """The Briefing tab's Markdown and .docx, made after the answer is shown, outside the slot
        questions are answered in (writing the .docx takes longer than a cached answer)."""
        if answer is None:
            return gr.skip(), gr.skip()
        return briefing.to_markdown(answer, assistant.library.documents), _docx_for(answer)

    def _docx_for(answer: Answer) -> Any:
        stale = time.time() - 3600  # Gradio has copied older files into its cache by now
        for old in export_dir.glob("briefing-*.docx"):
            if old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
        path = export_dir / f"briefing-{os.urandom(6).hex()}.docx"
        briefing.write_docx(answer, assistant.library.documents, path)
        return gr.update(value=str(path), interactive=True)

    def open_citation(n: int | None, answer: Answer | None) -> tuple[Any, ...]:
        if answer is None or n is None:
            return gr.skip(), gr.skip(), gr.skip()
        citation = next((c for c in answer.citations if c.n == int(n)), None)
        if citation is None:
            return gr.skip(), gr.skip(), gr.skip()
        library = assistant.library
        document = library.documents.get(citation.source)
        if library.verify(citation.source, citation.start, citation.end, citation.quote):
            html = rendering.viewer_html(document, citation.start, citation.end)
        else:  # the document changed since this answer: show it, highlight nothing that is not the quote
            html = rendering.viewer_html(document)
        return html, gr.update(value=citation.source), gr.Tabs(selected="viewer")

    def show_document(doc_id: str | None) -> str:
        return rendering.viewer_html(assistant.library.documents.get(doc_id or ""))

    def copy_briefing(answer: Answer | None) -> str:
        if answer is None:
            return "Ask a question first; the briefing note of its answer appears here."
        return briefing.to_markdown(answer, assistant.library.documents)

    def give_feedback(kind: str, comment: str, answer: Answer | None) -> tuple[str, Any]:
        if answer is None:
            return "Ask a question first, then say whether its answer was right.", gr.skip()
        try:
            feedback.record(assistant.settings.data_dir, answer, kind, comment or "")
        except Exception:
            log.exception("storing feedback failed")
            return "Sorry, the feedback could not be stored.", gr.skip()
        return f"Thanks — recorded “{kind}” for: {rendering.chat_text(_shown(answer.question))}", ""

    def api_ask(question: str) -> dict[str, Any]:
        """Answer one question; returns the answer text, its citations and retrieved passages."""
        try:
            return ask(question, [], None).to_dict()
        except InvalidQuestion as error:
            raise gr.Error(str(error)) from None

    def example_chosen(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    # --- layout -------------------------------------------------------------------------------

    with gr.Blocks(title="Powys children's services reports", analytics_enabled=False) as app:
        gr.Markdown(
            "## Powys children's services reports\n"
            "Ask a question about the public reports (2017–2025). Every answer is built from the "
            "reports' own sentences and cites them; when the reports do not say, the assistant says so."
        )
        asked = gr.State([])
        current = gr.State(None)
        pending = gr.State("")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=520,
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="**Ask about the reports** — or start with one of these questions:",
                    feedback_options=None,
                    sanitize_html=True,
                )
                with gr.Row():
                    question = gr.Textbox(
                        elem_id="question",
                        show_label=False,
                        placeholder="Ask a question, e.g. Who carried out the 2025 report?",
                        scale=5,
                        max_lines=4,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                with gr.Row(elem_id="feedback"):
                    feedback_buttons = {
                        kind: gr.Button(
                            kind.capitalize(), size="sm", elem_id=f"feedback-{kind.replace(' ', '-')}"
                        )
                        for kind in feedback.KINDS
                    }
                    feedback_comment = gr.Textbox(
                        show_label=False, placeholder="Optional comment", elem_id="feedback-comment", scale=3
                    )
                feedback_status = gr.Markdown("", elem_id="feedback-status")
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    chosen = gr.CheckboxGroup(
                        choices=doc_choices, value=all_ids, label="Documents", elem_id="filter-documents"
                    )
                    with gr.Row():
                        date_from = gr.Textbox(label="From (YYYY or YYYY-MM-DD)", elem_id="date-from")
                        date_to = gr.Textbox(label="To (YYYY or YYYY-MM-DD)", elem_id="date-to")
            with gr.Column(scale=2):
                with gr.Tabs(elem_id="panels") as tabs:
                    with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
                        sources = gr.HTML(rendering.sources_html(None, {}), elem_id="sources")
                        with gr.Row():
                            citation_choice = gr.Radio(
                                choices=[], label="Citation", elem_id="citation-choice", scale=3
                            )
                            open_button = gr.Button("Open in viewer", elem_id="open-citation", scale=1)
                    with gr.Tab("Document viewer", id="viewer", elem_id="tab-viewer"):
                        doc_select = gr.Dropdown(
                            choices=doc_choices, value=None, label="Document", elem_id="doc-select"
                        )
                        viewer = gr.HTML(rendering.viewer_html(None), elem_id="viewer")
                    with gr.Tab("Briefing", id="briefing", elem_id="tab-briefing"):
                        copy_button = gr.Button("Copy for briefing", elem_id="copy-briefing")
                        briefing_md = gr.Code(
                            value="",
                            language="markdown",
                            label="Briefing (Markdown)",
                            elem_id="briefing-md",
                            interactive=False,
                            wrap_lines=True,
                            buttons=["copy"],
                        )
                        download = gr.DownloadButton(
                            "Download .docx", value=None, elem_id="download-docx", interactive=False
                        )

        # --- wiring -------------------------------------------------------------------------
        turn_inputs = [pending, chat, asked, chosen, date_from, date_to, current]
        turn_outputs = [
            chat,
            asked,
            current,
            sources,
            citation_choice,
            question,
            ask_button,
        ]
        concurrency = assistant.settings.answer_concurrency
        answer_kwargs: dict[str, Any] = {"concurrency_id": "assistant", "concurrency_limit": concurrency}

        def take_turn(trigger: Any) -> None:
            """Show the question and the working state at once, then answer in the queue."""
            trigger(
                start_turn,
                [question, chat],
                [chat, question, ask_button, pending],
                queue=False,
                api_visibility="private",
            ).then(finish_turn, turn_inputs, turn_outputs, api_visibility="private", **answer_kwargs).then(
                prepare_briefing, [current], [briefing_md, download], api_visibility="private"
            )

        take_turn(question.submit)
        take_turn(ask_button.click)
        example = chat.example_select(example_chosen, None, [question], queue=False, api_visibility="private")
        take_turn(example.then)
        open_button.click(
            open_citation, [citation_choice, current], [viewer, doc_select, tabs], api_visibility="private"
        ).then(None, js=SCROLL_TO_CITED)
        doc_select.input(show_document, [doc_select], [viewer], api_visibility="private")
        copy_button.click(copy_briefing, [current], [briefing_md], api_visibility="private").then(
            None, [briefing_md], None, js=COPY_BRIEFING
        )
        for kind, button in feedback_buttons.items():
            button.click(
                lambda comment, answer, kind=kind: give_feedback(kind, comment, answer),
                [feedback_comment, current],
                [feedback_status, feedback_comment],
                queue=False,
                api_visibility="private",
            )
        chat.clear(lambda: ([], None), None, [asked, current], queue=False, api_visibility="private")
        gr.api(api_ask, api_name="ask", **answer_kwargs)
    return app.queue(default_concurrency_limit=concurrency, max_size=assistant.settings.queue_size)


def launch(app: Any, host: str, port: int, **kwargs: Any) -> Any:
    """Start `app` (queued by `build_app`) with the page's CSS; `kwargs` go to `Blocks.launch`."""
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "Consolas", "monospace"]
    )
    # FastAPI's own /openapi.json and /docs sit outside Gradio's login check: off.
    kwargs.setdefault("app_kwargs", {"openapi_url": None, "docs_url": None, "redoc_url": None})
    return app.launch(server_name=host, server_port=port, css=CSS, theme=theme, **kwargs)


AUTH_MESSAGE = "Log in to ask about the Powys children's services reports."


def access_kwargs(settings: Settings) -> dict[str, Any]:
    """`launch` keyword arguments for login: none without a users file, else Gradio's `auth` check."""
    if settings.users_file is None:
        return {}
    authenticator = auth.Authenticator(settings.users_file)
    return {"auth": authenticator.gradio_auth(), "auth_message": AUTH_MESSAGE}


def serve(settings: Settings, host: str, port: int, *, allow_anonymous: bool = False) -> None:
    """Serve the chat; login is required when `settings.users_file` is set.

    Raises `auth.AccessError` for a non-loopback `host` without a users file unless
    `allow_anonymous`, and `auth.UsersFileError` for a users file with no users.
    """
    auth.check_serve_access(host, settings.users_file, allow_anonymous)  # the CLI has shown its warning
    login = access_kwargs(settings)  # before the model loads: a bad users file fails fast
    app = build_app(create_assistant(settings))
    launch(app, host, port, **login)
