"""The chat's Documents tab: maintainers add and remove corpus documents without a restart.

Every event checks the user's role on the server before it reads or writes anything: a
maintainer of the users file (`assistant users add NAME --role maintainer`), or, without a users
file, a client on this machine when `anonymous_maintainer` is set. Anyone else is refused.
An upload is checked before anything is written (`corpus_edits`), written atomically, ingested in
this process with its progress shown (one ingest at a time), and the `Assistant` adopts the new
index, so the document can be asked about at once. Removing a document moves its file out of the
corpus (a copy is kept under the data folder) and ingests again.

Does not lay out the tab (`panels.lay_out` does) and does not answer questions.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.corpus_edits import (
    IngestJob,
    UploadRefused,
    check_upload,
    move_out,
    read_upload,
    safe_name,
    write_new,
)
from assistant.core.service import Assistant
from assistant.core.settings import Settings
from assistant.web import auth, serve_access
from ingest.documents import Document
from ingest.loaders import SUPPORTED_SUFFIXES, size_text
from ingest.pipeline import IngestSummary

log = logging.getLogger(__name__)

REFUSED = "Only maintainers may add or remove documents."
BUSY = "An ingest is already running; try again when it has finished."
REMOVED_FOLDER = "removed-documents"  # under the data folder: what Remove took out of the corpus
# An upload is one request: its file plus multipart framing (boundaries, headers, the file name).
MULTIPART_SLACK = 4096
POLL_S = 0.25  # how often the tab's progress line is redrawn while an ingest runs


def document_choices(documents: Mapping[str, Document]) -> list[tuple[str, str]]:
    """(label, id) of each document, for the viewer's and the Remove list's dropdowns."""
    choices = []
    for doc_id, document in sorted(documents.items()):
        date = f" ({document.meta.date})" if document.meta.date else ""
        choices.append((f"{document.title}{date}", doc_id))
    return choices


def upload_limit(settings: Settings) -> int:
    """The largest file the tab takes: the ingest's own limit (the upload route's body limit is
    this plus MULTIPART_SLACK; every other route keeps `max_request_bytes`)."""
    return settings.ingest.max_file_bytes


# --- the tab's events ----------------------------------------------------------------------------


class DocumentsTab:
    """The Documents tab's event handlers for one assistant; one ingest at a time across users."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.lock = threading.Lock()

    def may_maintain(self, request: gr.Request | None) -> bool:
        """Whether this request's user may add and remove documents (read afresh each time)."""
        if self.settings.serving.users_file is None:
            client = getattr(request, "client", None)
            host = getattr(client, "host", "") or ""
            return self.settings.serving.anonymous_maintainer and serve_access.is_loopback(host)
        name = getattr(request, "username", None) or ""
        return bool(name) and auth.user_role(self.settings.serving.users_file, name) == auth.MAINTAINER

    def _require_maintainer(self, request: gr.Request | None, action: str) -> None:
        if not self.may_maintain(request):
            name = getattr(request, "username", None)
            log.warning("refused %s for %s: not a maintainer", action, auth.shown_name(name or "anonymous"))
            raise gr.Error(REFUSED)

    def intro(self) -> str:
        types = ", ".join(SUPPORTED_SUFFIXES)
        called = self.settings.answering.called
        return (
            f"Add a document ({types}), up to {size_text(upload_limit(self.settings))}: it is checked, "
            f"added to {called} and can be asked about as soon as it is ingested. Remove takes a "
            f"document out of {called}."
        )

    # Each event returns (status, list, remove choices, viewer choices[, upload box]).

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        """On page load: the tab for maintainers only (with the list), and the viewer's choices now."""
        viewer = gr.update(choices=document_choices(self.assistant.library.documents))
        if not self.may_maintain(request):
            return gr.update(visible=False), gr.skip(), gr.skip(), viewer
        return gr.update(visible=True), *self._lists()[:2], viewer

    def refresh(self, request: gr.Request) -> tuple[Any, ...]:
        """The list of documents as the chat reads them now."""
        self._require_maintainer(request, "listing documents")
        self.assistant.refresh()
        return "", *self._lists()

    def upload(self, file: str | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        """Check the file, write it into the corpus, ingest, and adopt the new index."""
        self._require_maintainer(request, "an upload")
        if not file:
            yield _status("Choose a file to add."), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            name = safe_name(Path(file).name)
            data = read_upload(Path(file), upload_limit(self.settings))
            check_upload(name, data, self.settings, self.assistant.library.documents)
        except UploadRefused as error:
            yield _status(str(error), problem=True), gr.skip(), gr.skip(), gr.skip(), None
            return
        if not self.lock.acquire(blocking=False):
            yield _status(BUSY, problem=True), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            added = write_new(self.settings.index.corpus_dir, name, data)
        except Exception as error:  # noqa: BLE001 - a message in the tab, and the lock free again
            self.lock.release()
            problem = (
                str(error) if isinstance(error, UploadRefused) else f"{name} could not be saved: {error}"
            )
            yield _status(problem, problem=True), gr.skip(), gr.skip(), gr.skip(), None
            return
        log.info(
            "%s uploaded %s (%s)",
            getattr(request, "username", None) or "anonymous",
            name,
            size_text(len(data)),
        )

        def drop_if_skipped(summary: IngestSummary) -> None:
            # A new file the ingest skipped would be skipped again on every run: take it out again.
            if added and any(s.name == name for s in summary.skipped):
                (self.settings.index.corpus_dir / name).unlink(missing_ok=True)

        job = IngestJob(self.assistant, self.lock, drop_if_skipped).start()
        for line in self._watch(job, f"Adding {name}"):
            yield line, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        yield self._result(job, name, added), *self._lists(), None

    def remove(self, doc_id: str | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        """Move the document's file out of the corpus, ingest, and adopt the new index."""
        self._require_maintainer(request, "a removal")
        if not doc_id:
            yield _status("Choose the document to remove."), gr.skip(), gr.skip(), gr.skip()
            return
        if not self.lock.acquire(blocking=False):
            yield _status(BUSY, problem=True), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            if doc_id not in self.assistant.library.documents:
                raise UploadRefused(f"{doc_id} is not one of the documents.")
            kept = move_out(
                self.settings.index.corpus_dir, doc_id, self.settings.index.data_dir / REMOVED_FOLDER
            )
        except Exception as error:  # noqa: BLE001 - a message in the tab, and the lock free again
            self.lock.release()
            problem = (
                str(error) if isinstance(error, UploadRefused) else f"{doc_id} could not be removed: {error}"
            )
            yield _status(problem, problem=True), gr.skip(), gr.skip(), gr.skip()
            return
        log.info("%s removed %s", getattr(request, "username", None) or "anonymous", doc_id)
        job = IngestJob(self.assistant, self.lock).start()
        for line in self._watch(job, f"Removing {doc_id}"):
            yield line, gr.skip(), gr.skip(), gr.skip()
        if job.summary is not None:
            copy = f" A copy is kept in {kept}." if kept else ""
            called = self.settings.answering.called
            headline = _status(f"{doc_id} was removed from {called}.{copy}") + summary_html(job.summary)
        else:
            headline = _status(f"The ingest failed: {job.error}", problem=True)
        yield headline, *self._lists()

    # --- helpers ---------------------------------------------------------------------------------

    def _watch(self, job: IngestJob, what: str) -> Iterator[str]:
        """The status line every `POLL_S` seconds until the ingest is done."""
        started = time.monotonic()
        while not job.done.wait(POLL_S):
            yield _status(f"{what}: {job.latest} ({time.monotonic() - started:.0f} s)")

    def _result(self, job: IngestJob, name: str, added: bool) -> str:
        summary = job.summary
        if summary is None:
            kept = "" if not added else f" {name} stays in the corpus folder; `assistant ingest` retries it."
            return _status(f"The ingest failed: {job.error}.{kept}", problem=True)
        skipped = next((s.reason for s in summary.skipped if s.name == name), None)
        if skipped is not None:
            return _status(f"{name} was not added: {skipped}.", problem=True) + summary_html(summary)
        passages = len(self.assistant.library.in_document(name))
        if name not in self.assistant.library.documents:
            return _status(f"{name} was ingested; the chat will use it shortly.") + summary_html(summary)
        state = "added" if added else f"already in {self.settings.answering.called}, unchanged"
        return _status(
            f"{name} was {state}: {passages} passages. Ask about it now.", done=True
        ) + summary_html(summary)

    def _lists(self) -> tuple[str, Any, Any]:
        """The documents list, the Remove choices and the viewer's choices, as the chat reads them now."""
        documents = self.assistant.library.documents
        choices = document_choices(documents)
        return documents_html(documents), gr.update(choices=choices, value=None), gr.update(choices=choices)


def _status(message: str, *, problem: bool = False, done: bool = False) -> str:
    kind = "problem" if problem else "done" if done else "working"
    role = "alert" if problem else "status"
    return f'<p class="documents-{kind}" role="{role}">{html.escape(message)}</p>'


def summary_html(summary: IngestSummary) -> str:
    """What the ingest did, file by file: ingested, removed, skipped (with the reason), notes."""
    items = [f"<li>ingested: {html.escape(name)}</li>" for name in summary.embedded_files]
    items += [f"<li>removed from the index: {html.escape(name)}</li>" for name in summary.removed_files]
    items += [f"<li>skipped: {html.escape(s.name)} — {html.escape(s.reason)}</li>" for s in summary.skipped]
    items += [f"<li>note: {html.escape(note)}</li>" for note in summary.decoded_notes()]
    if summary.unchanged_files:
        files = "file" if summary.unchanged_files == 1 else "files"
        items.append(f"<li>unchanged: {summary.unchanged_files} {files}</li>")
    return (
        f'<div class="documents-result"><p>Ingest: {html.escape(summary.line())}</p>'
        f"<ul>{''.join(items)}</ul></div>"
    )


def documents_html(documents: Mapping[str, Document]) -> str:
    """The documents the chat answers from: title, date, file and, for a paged one, its pages."""
    if not documents:
        return '<p class="documents-empty">No documents yet.</p>'
    rows = []
    for doc_id, document in sorted(documents.items()):
        pages = f", {len(document.pages)} pages" if document.pages else ""
        date = f" ({html.escape(document.meta.date)})" if document.meta.date else ""
        rows.append(
            f"<li><strong>{html.escape(document.title)}</strong>{date} — "
            f'<span class="citation-file">{html.escape(doc_id)}{pages}</span></li>'
        )
    return f'<ul class="documents-list">{"".join(rows)}</ul>'
