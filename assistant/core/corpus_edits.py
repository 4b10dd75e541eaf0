"""Changing the corpus from the server: checking an upload, writing it, removing a document, and
running the ingest in this process.

An upload is checked before anything is written into the corpus folder: its size, its name (made
safe: no folders, no hidden names, one of the ingest's types) and its bytes (read by the ingest's
own loader, so a "PDF" that is not one is refused), and that its text is not already another
document's. It is written atomically and never over a different file of the same name. A removed
document's file is copied out of the corpus before it is deleted, so nothing is lost.

Does not check who asks (that is `web_documents`), and does not answer questions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.core.ingesting import ingest_with_settings
from assistant.core.service import Assistant
from assistant.core.settings import Settings
from ingest.documents import Document
from ingest.files import sync_folder, write_atomically
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, LoadOptions, load_document, size_text
from ingest.manifest import MANIFEST_NAME
from ingest.pipeline import IngestSummary
from ingest.store import open_client

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
# Names the ingest never reads (see `ingest.scanning`), so an upload must not take them.
_IGNORED_NAMES = {MANIFEST_NAME.casefold(), "readme.md"}
_UNSAFE = re.compile(r"[^\w.\- ()]+")


class UploadRefused(ValueError):
    """An upload (or removal) that is not made; the message says why, for the person who asked."""


# --- an upload -----------------------------------------------------------------------------------


def safe_name(raw: str) -> str:
    """A corpus file name made from an uploaded file's name: its last part only, characters other
    than letters, digits, spaces and `.-_()` replaced, no leading dots, one of the ingest's types.

    Example: safe_name("../../etc/Report 2024<final>.PDF") -> "Report 2024_final_.pdf"
    """
    base = PurePosixPath(unicodedata.normalize("NFC", raw).replace("\\", "/")).name
    base = " ".join(_UNSAFE.sub("_", base).split()).lstrip(". ").rstrip(". ")
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(none)"
        raise UploadRefused(f"{shown!r} files cannot be read: add one of {', '.join(SUPPORTED_SUFFIXES)}.")
    stem = stem.rstrip(". ")[: MAX_NAME_CHARS - len(suffix)]
    if not stem.strip("_"):
        raise UploadRefused("The file needs a name: rename it and upload it again.")
    name = stem + suffix
    if name.casefold() in _IGNORED_NAMES:
        raise UploadRefused(f"{name} is a name the ingest keeps for itself: rename the file.")
    return name


def read_upload(path: Path, limit: int) -> bytes:
    """The uploaded file's bytes, refused unread when it is over `limit` bytes."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise UploadRefused(
                f"The file is too large: {size_text(size)} is over the {size_text(limit)} limit."
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise UploadRefused(f"The upload could not be read ({error.strerror or error}); try again.") from None
    if len(data) > limit:  # it grew while being read
        raise UploadRefused(f"The file is too large: over the {size_text(limit)} limit.")
    return data


def check_upload(name: str, data: bytes, settings: Settings, documents: Mapping[str, Document]) -> str:
    """Refuse (`UploadRefused`) bytes the ingest could not read, or whose text is already a
    document's; returns what the loader read them as ("pdf", "utf-8", …)."""
    try:
        extracted = load_document(Path(name), data, LoadOptions(settings.ingest.max_inflated_bytes))
    except LoadError as error:
        raise UploadRefused(f"{name} cannot be added: {error}.") from None
    except Exception as error:  # noqa: BLE001 - any reader failure is a refusal, never a crash
        raise UploadRefused(
            f"{name} cannot be added: it could not be read ({type(error).__name__})."
        ) from None
    digest = _digest(extracted.text)
    for doc_id, document in documents.items():
        if doc_id != name and _digest(document.text) == digest:
            raise UploadRefused(f"{name} has the same text as {doc_id}, which is already in the reports.")
    return extracted.encoding


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def write_new(corpus_dir: Path, name: str, data: bytes) -> bool:
    """Write `data` as `corpus_dir/name` atomically (a hidden temporary file, flushed, then renamed);
    False when that exact file is already there. A different file of that name is refused."""
    target = corpus_dir / name
    if target.exists() or target.is_symlink():
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            return False
        raise UploadRefused(
            f"A different document is already called {name}: remove it first, or rename the file."
        )
    write_atomically(target, data)
    return True


def move_out(corpus_dir: Path, doc_id: str, removed_dir: Path) -> Path | None:
    """Move the corpus file `doc_id` into `removed_dir` (copied first, then deleted, so a crash
    loses nothing); None when it is not in the corpus any more. Refuses names outside the corpus."""
    root = corpus_dir.resolve()
    source = corpus_dir / doc_id
    if not source.resolve(strict=False).is_relative_to(root) or ".." in PurePosixPath(doc_id).parts:
        raise UploadRefused(f"{doc_id} is not a document of the corpus.")
    if not source.exists() and not source.is_symlink():
        return None
    if source.is_symlink() or not source.is_file():
        raise UploadRefused(f"{doc_id} is not a plain file: remove it from the corpus folder by hand.")
    removed_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = removed_dir / f"{stamp}-{source.name}"
    for n in range(2, 1000):  # the same name removed twice within a second keeps both copies
        if not kept.exists():
            break
        kept = removed_dir / f"{stamp}-{n}-{source.name}"
    shutil.copy2(source, kept)
    with kept.open("rb") as copy:
        os.fsync(copy.fileno())  # the copy is on disk before the original goes
    sync_folder(removed_dir)
    source.unlink()
    sync_folder(source.parent)
    return kept


# --- the ingest, in this process -----------------------------------------------------------------


@dataclass
class IngestJob:
    """One ingest of the corpus in its own thread, with its latest progress line and its result.

    The caller holds `lock` when starting it; the thread releases it when done, even if whoever
    started it stopped watching (a closed browser tab), so the next ingest is never shut out.
    """

    assistant: Assistant
    lock: threading.Lock
    after: Callable[[IngestSummary], None] = lambda summary: None  # runs in the lock, before refresh
    latest: str = "starting"
    summary: IngestSummary | None = None
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> IngestJob:
        threading.Thread(target=self._run, name="documents-ingest", daemon=True).start()
        return self

    def _run(self) -> None:
        settings = self.assistant.settings
        try:
            client = open_client(
                settings.index.index_dir, settings.index.chroma_host, settings.index.chroma_port
            )
            embedder = self.assistant.embedder  # loaded already; leaves the other cores to answers
            summary = ingest_with_settings(
                settings,
                client,
                lambda: embedder,
                progress_lines=self._line,
                progress_interval_s=0,  # every step: the tab shows the latest, redrawn every POLL_S
                language=lambda: self.assistant.readers.language,  # the chat's own, loaded already
            )
            self.after(summary)
            self.latest = "loading the new index"
            self.assistant.refresh()
            self.summary = summary
        except Exception as error:  # noqa: BLE001 - reported in the tab; the index stays answerable
            log.exception("the ingest from the Documents tab failed")
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.lock.release()
            self.done.set()

    def _line(self, line: str) -> None:
        self.latest = line
