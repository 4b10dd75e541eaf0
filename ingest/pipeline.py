"""Ingest a corpus folder into the index: load → clean → split → embed → write.

Only files whose fingerprint changed are embedded again; files gone from the folder lose
their passages. Writes are ordered so that a kill at any point leaves an index that still
answers with the previous version of every file and that the next run completes:

1. the file's new passages are upserted (ids are content-derived, so unchanged sentences keep
   their ids; the old version's record does not list the new ones, so readers ignore them);
2. the document record is written with the new fingerprint, text and list of passage ids:
   this single write switches readers from the old version to the new one;
3. passages of the old version that the record no longer lists are deleted.

Every run ends with a sweep that deletes passages no record lists (left by a kill between 2
and 3) and passages of files that are gone. A file that cannot be read, or that vanishes
mid-run, is reported and skipped; whatever the index already held for it is kept.

Does not answer questions and knows nothing of the assistant.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from ingest import schema
from ingest.documents import Document, Passage
from ingest.embedder import Embedder, encoder_name
from ingest.furniture import content_blocks
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_text
from ingest.manifest import MANIFEST_NAME, derive_meta, read_manifest
from ingest.splitter import split_passages
from ingest.store import documents_collection, passages_collection, read_all

# Called as hook(stage, document name) at the points where a kill is most telling:
# "embed" (a batch of the document is embedded, nothing of it written yet), "write" (its
# passages are written, its record is not) and "clean" (its record is written, its stale
# passages are not yet deleted). The CLI uses it for deterministic crash tests.
StageHook = Callable[[str, str], None]

_PLAIN_ENCODINGS = ("utf-8", "pdf", "docx", "html (utf-8)")


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not ingested, and why."""

    name: str
    reason: str


@dataclass
class IngestSummary:
    """What one ingest run did, for the one-line report and `--json`."""

    files: int = 0
    embedded_files: list[str] = field(default_factory=list)
    unchanged_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    passages: int = 0
    embedded_passages: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)  # file -> encoding or format read with
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.files} files ({len(self.embedded_files)} embedded, {self.unchanged_files} "
            f"unchanged, {len(self.removed_files)} removed), {self.passages} passages, "
            f"{len(self.skipped)} skipped, {self.seconds:.1f} s"
        )

    def decoded_notes(self) -> list[str]:
        """Files that were not plain UTF-8 text, with the encoding they were read as."""
        return [
            f"{name}: read as {enc}" for name, enc in self.encodings.items() if enc not in _PLAIN_ENCODINGS
        ]


@dataclass(frozen=True)
class _Prepared:
    document: Document
    passages: list[Passage]
    fingerprint: str
    text_digest: str


def ingest_corpus(
    corpus_dir: Path,
    client: ClientAPI,
    embedder: Callable[[], Embedder],
    *,
    max_file_bytes: int,
    write_batch_size: int = 2048,
    embed_group_size: int = 1024,
    progress: bool = True,
    stage_hook: StageHook | None = None,
    encoder: str = "",
) -> IngestSummary:
    """Bring the index in line with `corpus_dir` and report what changed.

    `embedder` is called only when something needs embedding, so a no-op run skips the model load.
    `encoder` is its `encoder_name` (default: the default encoder's), known before it is loaded:
    it is part of each file's fingerprint, so changing encoder re-embeds every file.
    """
    started = time.perf_counter()
    summary = IngestSummary()
    manifest = read_manifest(corpus_dir)
    passages_store = passages_collection(client)
    documents_store = documents_collection(client)
    indexed = _indexed_fingerprints(documents_store)
    vectors_by = encoder or encoder_name()

    paths, summary.skipped = scan_corpus(corpus_dir, max_file_bytes)
    present: set[str] = set()
    changed: list[_Prepared] = []
    first_with_text: dict[str, str] = {}
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        try:
            prepared = _prepare(name, path, manifest.get(name), max_file_bytes, vectors_by)
        except Exception as error:  # noqa: BLE001 - one bad file must never stop the run
            reason = (
                str(error)
                if isinstance(error, LoadError)
                else f"could not be read ({type(error).__name__}: {error})"
            )
            if name in indexed:
                present.add(name)  # keep what the index already had: lose nothing
                reason += "; its earlier version stays in the index"
            summary.skipped.append(Skipped(name, reason))
            continue
        same_as = first_with_text.setdefault(prepared.text_digest, name)
        if same_as != name:
            summary.skipped.append(Skipped(name, f"same text as {same_as} (indexed once, under that name)"))
            continue
        present.add(name)
        summary.files += 1
        summary.encodings[name] = prepared.document.encoding
        if indexed.get(name) == prepared.fingerprint:
            summary.unchanged_files += 1
        elif not prepared.passages:
            summary.skipped.append(Skipped(name, "no content left after removing page furniture"))
            summary.files -= 1
            present.discard(name)
        else:
            changed.append(prepared)

    if changed:
        model = embedder()
        if model.name != vectors_by:
            raise ValueError(f"the embedder is {model.name} but the index is being built for {vectors_by}")
        bar = _progress_bar(sum(len(p.passages) for p in changed), progress)

        def write_group(group: list[_Prepared], vectors: np.ndarray) -> None:
            offset = 0
            for prepared in group:
                count = len(prepared.passages)
                _write_document(
                    passages_store,
                    documents_store,
                    prepared,
                    vectors[offset : offset + count],
                    write_batch_size,
                    stage_hook,
                    bar,
                )
                offset += count
                summary.embedded_files.append(prepared.document.id)
                summary.embedded_passages += count

        # The next group is embedded while one thread writes the last one, in file order: the
        # encoder and Chroma's writes overlap, and the write order above is unchanged.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            writing: Future[None] | None = None
            for group in _embedding_groups(changed, embed_group_size):
                # One encoder call for several small files: batches of similar length, little padding.
                vectors = model.embed([p.text for prepared in group for p in prepared.passages])
                if writing is not None:
                    writing.result()  # a failed write stops the run before anything else is written
                writing = writer.submit(write_group, group, vectors)
            if writing is not None:
                writing.result()
        if bar is not None:
            bar.close()

    summary.removed_files = _sweep(passages_store, documents_store, present)
    summary.passages = passages_store.count()
    summary.seconds = time.perf_counter() - started
    return summary


def scan_corpus(corpus_dir: Path, max_file_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest, and those refused before reading (links, special files, types, sizes)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    paths: list[Path] = []
    skipped: list[Skipped] = []
    entries: list[Path] = []
    _walk(corpus_dir, corpus_dir, entries, skipped)
    for path in sorted(entries):
        name = _display_name(path, corpus_dir)
        reason = _refusal(path, corpus_dir, max_file_bytes)
        if reason:
            skipped.append(Skipped(name, reason))
        else:
            paths.append(path)
    return paths, skipped


def _refusal(path: Path, corpus_dir: Path, max_file_bytes: int) -> str:
    """Why `path` is not read at all, or "" when it should be."""
    try:
        path.relative_to(corpus_dir).as_posix().encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8 (rename it)"
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "file disappeared before it could be read"
    except OSError as error:
        return f"cannot read file: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link (not followed)"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (named pipe, socket or device)"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type {path.suffix or '(none)'!r}"
    if info.st_size > max_file_bytes:
        return _too_large(info.st_size, max_file_bytes)
    return ""


def _too_large(size: int, limit: int) -> str:
    return f"too large: {_size(size)} is over the {_size(limit)} limit (ASSISTANT_MAX_FILE_BYTES)"


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB ({count:,} bytes)"
    return f"{count / 1_000_000:.1f} MB ({count:,} bytes)"


def _walk(folder: Path, root: Path, found: list[Path], skipped: list[Skipped]) -> None:
    """Every non-folder entry under `folder`; folders are entered only when they are not links."""
    try:
        entries = list(folder.iterdir())
    except OSError as error:
        skipped.append(
            Skipped(_display_name(folder, root) + "/", f"cannot list folder: {error.strerror or error}")
        )
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name in (MANIFEST_NAME, "README.md"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            _walk(entry, root, found, skipped)
        else:
            found.append(entry)


def _display_name(path: Path, root: Path) -> str:
    """The corpus-relative name, printable even when the file name is not valid UTF-8."""
    name = path.relative_to(root).as_posix()
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_file(path: Path, max_file_bytes: int) -> bytes:
    """The file's bytes, refusing links, special files and files that grew past the limit."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise LoadError("file disappeared before it could be read") from None
    except OSError as error:
        if path.is_symlink():
            raise LoadError("symbolic link (not followed)") from None
        raise LoadError(f"cannot read file: {error.strerror or error}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise LoadError("not a regular file (named pipe, socket or device)")
        try:
            data = handle.read(max_file_bytes + 1)
        except OSError as error:
            raise LoadError(f"cannot read file: {error.strerror or error}") from None
    if len(data) > max_file_bytes:
        raise LoadError(_too_large(os.path.getsize(path) if path.exists() else len(data), max_file_bytes))
    return data


def _prepare(name: str, path: Path, given: Any, max_file_bytes: int, vectors_by: str) -> _Prepared:
    data = _read_file(path, max_file_bytes)
    text, encoding = load_text(path, data)
    blocks = content_blocks(text)
    meta = derive_meta(text, blocks, given)
    document = Document(name, text, meta, encoding)
    passages = split_passages(name, text, blocks)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _Prepared(document, passages, schema.fingerprint(data, meta, vectors_by), digest)


def _embedding_groups(changed: list[_Prepared], size: int) -> Iterator[list[_Prepared]]:
    """Consecutive files holding about `size` passages together (a larger file is a group alone)."""
    group: list[_Prepared] = []
    count = 0
    for prepared in changed:
        if group and count + len(prepared.passages) > size:
            yield group
            group, count = [], 0
        group.append(prepared)
        count += len(prepared.passages)
    if group:
        yield group


def _write_document(
    passages_store: Collection,
    documents_store: Collection,
    prepared: _Prepared,
    vectors: np.ndarray,
    batch_size: int,
    stage_hook: StageHook | None,
    bar: Any,
) -> None:
    """Write one document's embedded passages, then its record, then delete its stale passages."""
    name = prepared.document.id
    passages = prepared.passages
    ids = [schema.passage_id(p) for p in passages]
    for lo in range(0, len(passages), batch_size):
        batch = passages[lo : lo + batch_size]
        _stage(stage_hook, "embed", name)
        passages_store.upsert(
            ids=ids[lo : lo + batch_size],
            embeddings=vectors[lo : lo + batch_size].tolist(),  # type: ignore[arg-type]
            metadatas=[schema.passage_metadata(p, lo + i, prepared.fingerprint) for i, p in enumerate(batch)],
            documents=[p.text for p in batch],
        )
        if bar is not None:
            bar.update(len(batch))
    _stage(stage_hook, "write", name)
    documents_store.upsert(
        ids=[name],
        embeddings=[schema.PLACEHOLDER_VECTOR],
        metadatas=[schema.document_metadata(prepared.document, prepared.fingerprint, ids)],
        documents=[prepared.document.text],
    )
    _stage(stage_hook, "clean", name)
    old = read_all(passages_store, (), where={"document_id": name}).ids
    _delete(passages_store, sorted(set(old) - set(ids)), batch_size)


def _sweep(passages_store: Collection, documents_store: Collection, present: set[str]) -> list[str]:
    """Delete files that are gone, and passages no document record lists; return the files removed."""
    records = read_all(documents_store, ("metadatas",))
    live: dict[str, frozenset[str] | None] = {
        id_: schema.live_passage_ids(meta) for id_, meta in zip(records.ids, records.metadatas, strict=True)
    }
    passages = read_all(passages_store, ("metadatas",))
    by_document: dict[str, list[str]] = {}
    for pid, meta in zip(passages.ids, passages.metadatas, strict=True):
        by_document.setdefault(str(meta["document_id"]), []).append(pid)

    removed = sorted(name for name in set(live) | set(by_document) if name not in present)
    for name in removed:
        _delete(passages_store, by_document.get(name, []), 2048)
        documents_store.delete(ids=[name])
    stale: list[str] = []
    for name, pids in by_document.items():
        listed = live.get(name)
        if name in present and listed is not None:
            stale += [pid for pid in pids if pid not in listed]
    _delete(passages_store, sorted(stale), 2048)
    return removed


def _delete(collection: Collection, ids: Sequence[str], batch_size: int) -> None:
    for lo in range(0, len(ids), batch_size):
        collection.delete(ids=list(ids[lo : lo + batch_size]))


def _stage(hook: StageHook | None, stage: str, name: str) -> None:
    if hook is not None:
        hook(stage, name)


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="passage", desc="Embedding")


def _indexed_fingerprints(documents_store: Collection) -> dict[str, str]:
    records = read_all(documents_store, ("metadatas",))
    return {
        id_: str(meta.get("fingerprint", ""))
        for id_, meta in zip(records.ids, records.metadatas, strict=True)
    }
