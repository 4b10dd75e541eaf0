"""What the panels' events do: the Sources panel's citations (opened in the viewer, marked
checked or wrong, copied with their reference), the document viewer, and the briefing.

Each method takes the event's inputs and returns the values for its outputs, as `panels.wire`
wires them; the conversation comes from the browser's saved copy, read by `Chat.load`.
A citation marked wrong is also stored as feedback (`feedback`); briefings are `briefing`'s.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.answers import Citation
from assistant.web import briefing, feedback, rendering
from assistant.web.chat import Chat
from assistant.web.conversation import Conversation, Turn
from assistant.web.documents import document_choices

log = logging.getLogger(__name__)

BRIEFING_KEPT_S = 3600  # Gradio has copied a briefing file into its own cache well before this


def briefings_folder() -> Path:
    """The folder the briefing files are written to: one per user in the temporary folder, shared
    by every chat process, so a process leaves no folder behind however it ends (files are swept
    BRIEFING_KEPT_S after writing). A path there that is not this user's own folder (another
    user's, or a link) is never written through: a private folder is made instead."""
    shared = Path(tempfile.gettempdir()) / f"assistant-briefings-{os.getuid()}"
    try:
        shared.mkdir(mode=0o700, exist_ok=True)
        found = shared.lstat()
    except OSError:
        return Path(tempfile.mkdtemp(prefix="assistant-briefings-"))
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return Path(tempfile.mkdtemp(prefix="assistant-briefings-"))
    return shared


class PanelEvents:
    """The panels' event handlers, over the chat's assistant and conversation; `export_dir` holds
    the briefings' .docx files."""

    def __init__(self, chat: Chat, export_dir: Path) -> None:
        self.chat = chat
        self.assistant = chat.assistant
        self.export_dir = export_dir

    # --- citations and the viewer -------------------------------------------------------------

    def _cited(
        self, saved: Any, index: Any, n: Any, request: gr.Request
    ) -> tuple[Conversation, Turn, Citation]:
        conversation = self.chat.load(saved, request)
        turn = conversation.turn(index)
        if turn is None or turn.answer is None:
            raise LookupError("Ask a question first; its citations appear here.")
        citation = next((c for c in turn.answer.citations if str(c.n) == str(n)), None)
        if citation is None:
            raise LookupError("Choose a citation first.")
        return conversation, turn, citation

    def show_turn(self, index: Any, saved: Any, shown: str, request: gr.Request) -> tuple[Any, Any]:
        """The chosen answer's sources; nothing when the panel shows them already. The chooser
        reports a choice whenever the keyboard passes through it, and a re-render then, from the
        conversation as it was, could land after a citation marked next and hide its mark."""
        if index is not None and str(rendering.shown_turn(shown)) == str(index):
            return gr.skip(), gr.skip()
        html, choice, _ = self.chat.sources(self.chat.load(saved, request), index)
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
                feedback.record(
                    self.assistant.settings.index.data_dir, turn.answer, "wrong citation", comment
                )
                note += " Recorded as feedback on the citation."
            except Exception:
                log.exception("storing feedback failed")
                note += " (The feedback could not be stored.)"
        html = rendering.sources_html(
            turn.answer, self.assistant.library.documents, turn.marks, turn=int(index)
        )
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

    # --- the briefing -------------------------------------------------------------------------

    def briefing(self, saved: Any, request: gr.Request) -> tuple[Any, Any]:
        """The conversation's briefing as Markdown and .docx, made after the answer is shown,
        outside the slot questions are answered in (writing the .docx takes longer than an answer)."""
        conversation = self.chat.load(saved, request)
        if not conversation.turns:
            return "", gr.update(value=None, interactive=False)
        documents = self.assistant.library.documents
        called = self.assistant.settings.answering.called
        markdown = briefing.conversation_markdown(conversation.turns, documents, called)
        stale = time.time() - BRIEFING_KEPT_S
        for old in self.export_dir.glob("briefing-*.docx"):
            if old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
        path = self.export_dir / f"briefing-{dt.date.today().isoformat()}-{os.urandom(4).hex()}.docx"
        briefing.write_conversation_docx(conversation.turns, documents, path, called)
        return markdown, gr.update(value=str(path), interactive=True)
