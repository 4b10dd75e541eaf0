"""The Gradio chat: the page's layout, and its events wired to `web_chat.Chat` over one `Assistant`.

No business logic here: what each event does is in `assistant.web.chat`, the conversation the
browser keeps (across reloads) in `assistant.web.conversation`, the CSS and JavaScript in
`assistant.web.page`. `build_app` makes the Blocks, `launch` starts it, `serve` is what
`assistant serve` calls.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: before gradio is imported
# Gradio summarises up to 10,000 past events in pandas after every request, for a monitoring
# page that is off; measured at 4-16 ms a request on a server that has been up a while.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from assistant.core.service import Assistant, InvalidQuestion, create_assistant
from assistant.core.settings import Settings
from assistant.web import auth, feedback, rendering
from assistant.web import generative as web_generative
from assistant.web.chat import Chat, make_filters, parse_date
from assistant.web.conversation import Conversation
from assistant.web.conversation import answer_html as answer_markdown
from assistant.web.documents import MULTIPART_SLACK, DocumentsTab, document_choices, upload_limit
from assistant.web.page import COPY_TEXT, CSS, SCROLL_TO_CITED
from assistant.web.sessions import RequestGuard, SessionStore, gradio_auth
from ingest.loaders import SUPPORTED_SUFFIXES

__all__ = ["access_kwargs", "answer_markdown", "build_app", "launch", "make_filters", "parse_date", "serve"]

EXAMPLES = [
    "Who carried out the 2025 report?",
    "How many recommendations does the assurance report make?",
    "What did inspectors find in October 2018?",
]
# The browser's local storage key of the conversation (encrypted with a key of this server process).
STORAGE_KEY = "powys-reports-conversation"


def _browser_key(data_dir: Path) -> str:
    """The key the browser's saved conversation is encrypted with, kept in `data_dir` so that a
    server restart does not make every saved conversation unreadable. Gradio sends it to the
    page (the encryption is done there): it keeps the stored text from casual reading, no more."""
    path = Path(data_dir) / "browser-state.key"
    try:
        return path.read_text(encoding="ascii").strip() or _new_key(path)
    except OSError:
        return _new_key(path)


def _new_key(path: Path) -> str:
    key = secrets.token_urlsafe(24)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key, encoding="ascii")
        path.chmod(0o600)
    except OSError:  # a read-only data folder: conversations last as long as this process
        pass
    return key


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words: "a number", "a list", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _marker(chat_events: Chat, kind: str) -> Any:
    """`Chat.mark` for one kind of mark, with the `gr.Request` annotation Gradio looks for (a
    lambda or `functools.partial` would lose it)."""

    def mark(index: Any, n: Any, saved: Any, request: gr.Request) -> Any:
        return chat_events.mark(kind, index, n, saved, request)

    return mark


def _feedback(chat_events: Chat, kind: str) -> Any:
    """`Chat.give_feedback` for one kind of feedback (see `_marker`)."""

    def give(comment: str, saved: Any, request: gr.Request) -> Any:
        return chat_events.give_feedback(kind, comment, saved, request)

    return give


def build_app(assistant: Assistant) -> Any:
    doc_choices = document_choices(assistant.library.documents)
    all_ids = [doc_id for _, doc_id in doc_choices]
    chat_events = Chat(assistant, all_ids, Path(tempfile.mkdtemp(prefix="assistant-briefings-")))
    documents_events = DocumentsTab(assistant)

    def api_ask(question: str) -> dict[str, Any]:
        """Answer one question; returns the answer text, its citations and retrieved passages."""
        if not isinstance(question, str):  # the API passes whatever JSON it was sent
            raise gr.Error(f"The question must be text (a JSON string), not {_json_kind(question)}.")
        try:
            assistant.refresh(assistant.settings.refresh_interval_s)  # adopt a finished re-ingest
            return assistant.ask(question, [], None).to_dict()
        except InvalidQuestion as error:
            raise gr.Error(str(error)) from None

    # --- layout -------------------------------------------------------------------------------

    with gr.Blocks(title="Powys children's services reports", analytics_enabled=False) as app:
        gr.Markdown(
            "## Powys children's services reports\n"
            "Ask a question about the public reports (2017–2025). Every answer is built from the "
            "reports' own sentences and cites them; when the reports do not say, the assistant says so."
        )
        saved = gr.BrowserState(
            Conversation().to_json(),
            storage_key=STORAGE_KEY,
            secret=_browser_key(assistant.settings.data_dir),
        )
        pending = gr.State("")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, elem_id="chat-column"):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=520,
                    placeholder="**Ask about the reports**: type a question below, or start with an example.",
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
                        choices=web_generative.CHOICES,
                        value=assistant.settings.llm.chat_mode,
                        label=web_generative.SWITCH_LABEL,
                        elem_id="answer-mode",
                    )
                    if web_generative.switch_shown(assistant.settings)
                    else gr.State("")
                )
                with gr.Row(elem_id="question-row"):
                    question = gr.Textbox(
                        elem_id="question",
                        label="Your question",
                        show_label=False,
                        placeholder="Ask a question, e.g. Who carried out the 2025 report?",
                        scale=5,
                        max_lines=4,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                    new_button = gr.Button(
                        "New conversation", elem_id="new-conversation", scale=1, min_width=80
                    )
                question_status = gr.HTML("", elem_id="question-status")
                # Plain buttons rather than the Chatbot's examples, whose list markup lacks list items
                # (axe: aria-required-children); shown while the conversation is empty.
                with gr.Row(elem_id="examples") as examples:
                    example_buttons = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
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
            with gr.Column(scale=2, elem_id="panels-column"):
                with gr.Tabs(elem_id="panels", overflow_behavior="wrap") as tabs:
                    with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
                        turn_choice = gr.Dropdown(
                            choices=[], value=None, label="Sources of the answer to", elem_id="sources-turn"
                        )
                        sources = gr.HTML(rendering.sources_html(None, {}), elem_id="sources")
                        citation_choice = gr.Radio(choices=[], label="Citation", elem_id="citation-choice")
                        with gr.Row(elem_id="citation-actions"):
                            open_button = gr.Button("Open in viewer", elem_id="open-citation", min_width=80)
                            checked_button = gr.Button("Mark checked", elem_id="mark-checked", min_width=80)
                            wrong_button = gr.Button("Mark wrong", elem_id="mark-wrong", min_width=80)
                            copy_citation_button = gr.Button(
                                "Copy citation", elem_id="copy-citation", min_width=80
                            )
                        citation_status = gr.HTML("", elem_id="citation-status")
                        citation_text = gr.Textbox(
                            label="Citation to paste", elem_id="citation-text", interactive=False, lines=2
                        )
                    with gr.Tab("Document viewer", id="viewer", elem_id="tab-viewer"):
                        doc_select = gr.Dropdown(
                            choices=doc_choices, value=None, label="Document", elem_id="doc-select"
                        )
                        viewer = gr.HTML(rendering.viewer_html(None), elem_id="viewer")
                    with gr.Tab("Briefing", id="briefing", elem_id="tab-briefing"):
                        gr.Markdown(
                            "The whole conversation: every question, answer and citation, each citation "
                            "marked checked, not checked or wrong."
                        )
                        copy_button = gr.Button("Copy briefing", elem_id="copy-briefing")
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
                    # Hidden until the page-load event finds a maintainer (`web_documents`).
                    with gr.Tab(
                        "Documents", id="documents", elem_id="tab-documents", visible=False
                    ) as docs_tab:
                        gr.Markdown(documents_events.intro())
                        upload = gr.File(
                            label="Add a document",
                            file_types=list(SUPPORTED_SUFFIXES),
                            type="filepath",
                            elem_id="documents-upload",
                        )
                        docs_status = gr.HTML("", elem_id="documents-status")
                        with gr.Row(elem_id="documents-remove-row"):
                            remove_choice = gr.Dropdown(
                                choices=[],
                                value=None,
                                label="Document to remove",
                                elem_id="documents-remove-choice",
                            )
                            remove_button = gr.Button("Remove", elem_id="documents-remove", min_width=80)
                        docs_list = gr.HTML("", elem_id="documents-list")

        # --- wiring -------------------------------------------------------------------------
        private: dict[str, Any] = {"api_visibility": "private"}
        concurrency = assistant.settings.answer_concurrency
        answering = {"concurrency_id": "assistant", "concurrency_limit": concurrency, **private}
        panels = [sources, citation_choice, turn_choice]
        finish_outputs = [saved, chat, question, ask_button, *panels, pending]

        def answer_then_brief(event: Any) -> None:
            event.then(
                chat_events.finish_turn,
                [pending, saved, chosen, date_from, date_to, answer_mode],
                finish_outputs,
                **answering,
            ).then(chat_events.briefing, [saved], [briefing_md, download], **private)

        def take_turn(trigger: Any) -> None:
            """Show the question and the working state at once, then answer in the queue."""
            answer_then_brief(
                trigger(
                    chat_events.start_turn,
                    [question, saved, chosen, date_from, date_to, answer_mode],
                    [saved, chat, question, ask_button, question_status, pending, examples],
                    queue=False,
                    **private,
                )
            )

        take_turn(question.submit)
        take_turn(ask_button.click)
        for button in example_buttons:
            take_turn(button.click(lambda text: text, [button], [question], queue=False, **private).then)
        # A reload: the stored conversation comes back, and a question asked before it is answered.
        answer_then_brief(
            app.load(
                chat_events.restore,
                [saved],
                [saved, chat, *panels, pending, question, ask_button, examples],
                **private,
            )
        )
        if isinstance(answer_mode, gr.Radio):
            app.load(None, js=web_generative.NAME_THE_SWITCH, **private)
        cleared = [saved, chat, *panels, briefing_md, download, question_status, citation_status, examples]
        new_button.click(chat_events.new_conversation, None, cleared, queue=False, **private)
        chat.clear(chat_events.new_conversation, None, cleared, queue=False, **private)

        turn_choice.input(chat_events.show_turn, [turn_choice, saved], [sources, citation_choice], **private)
        open_button.click(
            chat_events.open_citation,
            [turn_choice, citation_choice, saved],
            [viewer, doc_select, tabs],
            **private,
        ).then(None, js=SCROLL_TO_CITED)
        for kind, button in (("checked", checked_button), ("wrong", wrong_button)):
            button.click(
                _marker(chat_events, kind),
                [turn_choice, citation_choice, saved],
                [saved, sources, citation_status],
                queue=False,
                **private,
            ).then(chat_events.briefing, [saved], [briefing_md, download], **private)
        copy_citation_button.click(
            chat_events.copy_citation,
            [turn_choice, citation_choice, saved],
            [citation_text, citation_status],
            queue=False,
            **private,
        ).then(None, [citation_text], None, js=COPY_TEXT)
        doc_select.input(chat_events.show_document, [doc_select], [viewer], **private)
        copy_button.click(chat_events.briefing, [saved], [briefing_md, download], **private).then(
            None, [briefing_md], None, js=COPY_TEXT
        )
        for kind, button in feedback_buttons.items():
            button.click(
                _feedback(chat_events, kind),
                [feedback_comment, saved],
                [feedback_status, feedback_comment],
                queue=False,
                **private,
            )
        # The Documents tab: each event checks the user's role on the server before anything else.
        docs_out = [docs_status, docs_list, remove_choice, doc_select]
        maintaining = {"concurrency_id": "documents", "concurrency_limit": None, **private}
        app.load(documents_events.on_load, None, [docs_tab, docs_list, remove_choice, doc_select], **private)
        docs_tab.select(documents_events.refresh, None, docs_out, **private)
        upload.upload(documents_events.upload, [upload], [*docs_out, upload], **maintaining)
        remove_button.click(documents_events.remove, [remove_choice], docs_out, **maintaining)
        gr.api(  # type: ignore[attr-defined]
            api_ask, api_name="ask", concurrency_id="assistant", concurrency_limit=concurrency
        )
    return app.queue(default_concurrency_limit=concurrency, max_size=assistant.settings.queue_size)


def launch(app: Any, host: str, port: int, **kwargs: Any) -> Any:
    """Start `app` (queued by `build_app`) with the page's CSS; `kwargs` go to `Blocks.launch`."""
    # Darker primary buttons and softer text than Gradio's defaults: both reach WCAG AA contrast (axe).
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "Consolas", "monospace"]
    ).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        body_text_color_subdued="*neutral_600",
    )
    # No footer: its links ("Use via API", "Built with Gradio", settings) fail contrast, and the API
    # is documented in the README.
    kwargs.setdefault("footer_links", [])
    # FastAPI's own /openapi.json and /docs sit outside Gradio's login check: off.
    app_kwargs = {"openapi_url": None, "docs_url": None, "redoc_url": None, **kwargs.pop("app_kwargs", {})}
    return app.launch(
        app_kwargs=app_kwargs, server_name=host, server_port=port, css=CSS, theme=theme, **kwargs
    )


AUTH_MESSAGE = "Log in to ask about the Powys children's services reports."


def access_kwargs(settings: Settings) -> dict[str, Any]:
    """`launch` keyword arguments for access: request bodies capped on every route (FastAPI's
    `max_body_size`, tighter for `/login`) and, with a users file, login with sessions that end."""
    authenticator: auth.Authenticator | None = None
    sessions: SessionStore | None = None
    if settings.users_file is not None:
        authenticator = auth.Authenticator.from_settings(settings)
        sessions = SessionStore(authenticator, settings.session_max_age_s, settings.sessions_per_user)
    uploads = upload_limit(settings) + MULTIPART_SLACK
    guard = Middleware(
        RequestGuard,
        sessions=sessions,
        max_login_bytes=settings.max_login_bytes,
        max_request_bytes=settings.max_request_bytes,
        max_upload_bytes=uploads,
    )
    kwargs: dict[str, Any] = {
        "app_kwargs": {"max_body_size": max(settings.max_request_bytes, uploads), "middleware": [guard]},
        "max_file_size": upload_limit(settings),  # the browser refuses a larger upload before sending it
    }
    if authenticator is not None:
        kwargs.update(auth=gradio_auth(authenticator), auth_message=AUTH_MESSAGE)
    return kwargs


def serve(settings: Settings, host: str, port: int, *, allow_anonymous: bool = False) -> None:
    """Serve the chat; login is required when `settings.users_file` is set.

    Raises `auth.AccessError` for a non-loopback `host` without a users file unless
    `allow_anonymous`, and `auth.UsersFileError` for a users file with no users.
    """
    auth.check_serve_access(host, settings.users_file, allow_anonymous)  # the CLI has shown its warning
    access = access_kwargs(settings)  # before the model loads: a bad users file fails fast
    app = build_app(create_assistant(settings))
    launch(app, host, port, **access)
