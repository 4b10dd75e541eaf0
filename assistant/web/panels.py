"""The chat's panels column: the Sources, Document viewer, Briefing and Documents tabs, laid out and
wired to their events.

`lay_out` makes the components inside `app.build_app`'s Blocks and returns the ones events use;
`wire_sources` and `wire_documents` connect them to `PanelEvents` and `DocumentsTab`. What the
events do is in `panel_events` and `documents`; the chat column is `app`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.web import rendering
from assistant.web.documents import DocumentsTab
from assistant.web.page import COPY_TEXT, SCROLL_TO_CITED
from assistant.web.panel_events import PanelEvents
from ingest.loaders import SUPPORTED_SUFFIXES

# Every event but the API's /ask: hidden from the API docs and not callable by Gradio's clients.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass
class Panels:
    """The panels' components that events read or write."""

    tabs: gr.Tabs
    turn_choice: gr.Dropdown
    sources: gr.HTML
    citation_choice: gr.Radio
    open_button: gr.Button
    checked_button: gr.Button
    wrong_button: gr.Button
    copy_citation_button: gr.Button
    citation_status: gr.HTML
    citation_text: gr.Textbox
    doc_select: gr.Dropdown
    viewer: gr.HTML
    copy_button: gr.Button
    briefing_md: gr.Code
    download: gr.DownloadButton
    docs_tab: gr.Tab
    upload: gr.File
    docs_status: gr.HTML
    remove_choice: gr.Dropdown
    remove_button: gr.Button
    docs_list: gr.HTML


def lay_out(doc_choices: list[tuple[str, str]], documents_intro: str) -> Panels:
    """The panels column, in the Blocks (and row) being built."""
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
                    copy_citation_button = gr.Button("Copy citation", elem_id="copy-citation", min_width=80)
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
            with gr.Tab("Documents", id="documents", elem_id="tab-documents", visible=False) as docs_tab:
                gr.Markdown(documents_intro)
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
    return Panels(
        tabs=tabs,
        turn_choice=turn_choice,
        sources=sources,
        citation_choice=citation_choice,
        open_button=open_button,
        checked_button=checked_button,
        wrong_button=wrong_button,
        copy_citation_button=copy_citation_button,
        citation_status=citation_status,
        citation_text=citation_text,
        doc_select=doc_select,
        viewer=viewer,
        copy_button=copy_button,
        briefing_md=briefing_md,
        download=download,
        docs_tab=docs_tab,
        upload=upload,
        docs_status=docs_status,
        remove_choice=remove_choice,
        remove_button=remove_button,
        docs_list=docs_list,
    )


def _marker(events: PanelEvents, kind: str) -> Any:
    """`PanelEvents.mark` for one kind of mark, with the `gr.Request` annotation Gradio looks for
    (a lambda or `functools.partial` would lose it)."""

    def mark(index: Any, n: Any, saved: Any, request: gr.Request) -> Any:
        return events.mark(kind, index, n, saved, request)

    return mark


def wire_sources(p: Panels, events: PanelEvents, saved: gr.BrowserState) -> None:
    """The Sources, Document viewer and Briefing tabs' events."""
    # Outside the queue: it only renders, so it lands at once.
    p.turn_choice.input(
        events.show_turn,
        [p.turn_choice, saved, p.sources],
        [p.sources, p.citation_choice],
        queue=False,
        **PRIVATE,
    )
    p.open_button.click(
        events.open_citation,
        [p.turn_choice, p.citation_choice, saved],
        [p.viewer, p.doc_select, p.tabs],
        **PRIVATE,
    ).then(None, js=SCROLL_TO_CITED)
    for kind, button in (("checked", p.checked_button), ("wrong", p.wrong_button)):
        button.click(
            _marker(events, kind),
            [p.turn_choice, p.citation_choice, saved],
            [saved, p.sources, p.citation_status],
            queue=False,
            **PRIVATE,
        ).then(events.briefing, [saved], [p.briefing_md, p.download], **PRIVATE)
    p.copy_citation_button.click(
        events.copy_citation,
        [p.turn_choice, p.citation_choice, saved],
        [p.citation_text, p.citation_status],
        queue=False,
        **PRIVATE,
    ).then(None, [p.citation_text], None, js=COPY_TEXT)
    p.doc_select.input(events.show_document, [p.doc_select], [p.viewer], **PRIVATE)
    p.copy_button.click(events.briefing, [saved], [p.briefing_md, p.download], **PRIVATE).then(
        None, [p.briefing_md], None, js=COPY_TEXT
    )


def wire_documents(p: Panels, events: DocumentsTab, app: gr.Blocks) -> None:
    """The Documents tab: each event checks the user's role on the server before anything else."""
    docs_out = [p.docs_status, p.docs_list, p.remove_choice, p.doc_select]
    maintaining = {"concurrency_id": "documents", "concurrency_limit": None, **PRIVATE}
    app.load(events.on_load, None, [p.docs_tab, p.docs_list, p.remove_choice, p.doc_select], **PRIVATE)
    p.docs_tab.select(events.refresh, None, docs_out, **PRIVATE)
    p.upload.upload(events.upload, [p.upload], [*docs_out, p.upload], **maintaining)
    p.remove_button.click(events.remove, [p.remove_choice], docs_out, **maintaining)
