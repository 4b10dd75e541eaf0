"""Ingest a corpus folder into the index: load → clean → split → embed → write.

Only files whose fingerprint changed are embedded again; files gone from the folder lose
their passages. Writes are ordered so that a crash at any point leaves an index that still
answers and that the next run completes: new passages are written first, stale ones deleted
next, and the document record (with the new fingerprint) last.

Does not answer questions and knows nothing of the assistant.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from ingest import schema
from ingest.documents import Document, Passage
from ingest.embedder import MODEL_NAME, Embedder
from ingest.furniture import content_blocks
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_text
from ingest.manifest import MANIFEST_NAME, derive_meta, read_manifest
from ingest.splitter import split_passages
from ingest.store import documents_collection, passages_collection


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
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.files} files ({len(self.embedded_files)} embedded, {self.unchanged_files} "
            f"unchanged, {len(self.removed_files)} removed), {self.passages} passages, "
            f"{len(self.skipped)} skipped, {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class _Prepared:
    document: Document
    passages: list[Passage]
    fingerprint: str


def ingest_corpus(
    corpus_dir: Path,
    client: ClientAPI,
    embedder: Callable[[], Embedder],
    *,
    max_file_bytes: int,
    write_batch_size: int = 2048,
    progress: bool = True,
) -> IngestSummary:
    """Bring the index in line with `corpus_dir` and report what changed.

    `embedder` is called only when something needs embedding, so a no-op run skips the model load.
    """
    started = time.perf_counter()
    summary = IngestSummary()
    manifest = read_manifest(corpus_dir)
    passages_store = passages_collection(client)
    documents_store = documents_collection(client)
    indexed = _indexed_fingerprints(documents_store)

    paths, summary.skipped = scan_corpus(corpus_dir, max_file_bytes)
    present: set[str] = set()
    changed: list[_Prepared] = []
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        try:
            prepared = _prepare(name, path, manifest.get(name))
        except LoadError as error:
            summary.skipped.append(Skipped(name, str(error)))
            if name in indexed:
                present.add(name)  # keep what the index already had: lose nothing
            continue
        present.add(name)
        summary.files += 1
        if indexed.get(name) == prepared.fingerprint:
            summary.unchanged_files += 1
        elif not prepared.passages:
            summary.skipped.append(Skipped(name, "no content left after removing page furniture"))
            summary.files -= 1
        else:
            changed.append(prepared)

    texts = [passage.text for prepared in changed for passage in prepared.passages]
    vectors = embedder().embed(texts, show_progress=progress) if texts else None
    offset = 0
    for prepared in changed:
        count = len(prepared.passages)
        assert vectors is not None
        _write_document(
            passages_store, documents_store, prepared, vectors[offset : offset + count].tolist(),
            write_batch_size,
        )
        offset += count
        summary.embedded_files.append(prepared.document.id)
    summary.embedded_passages = offset

    for name in sorted(set(indexed) | _passage_document_ids(passages_store)):
        if name not in present:
            passages_store.delete(where={"document_id": name})
            documents_store.delete(ids=[name])
            summary.removed_files.append(name)

    summary.passages = passages_store.count()
    summary.seconds = time.perf_counter() - started
    return summary


def scan_corpus(corpus_dir: Path, max_file_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest, and those refused before reading (links, types, sizes)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    paths: list[Path] = []
    skipped: list[Skipped] = []
    for path in sorted(_walk(corpus_dir)):
        name = path.relative_to(corpus_dir).as_posix()
        if path.is_symlink():
            skipped.append(Skipped(name, "symbolic link (not followed)"))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(Skipped(name, f"unsupported file type {path.suffix or '(none)'!r}"))
        else:
            try:
                size = path.stat().st_size
            except OSError as error:
                skipped.append(Skipped(name, f"cannot read file: {error.strerror or error}"))
                continue
            if size > max_file_bytes:
                skipped.append(
                    Skipped(name, f"{size / 1e6:.1f} MB is over the {max_file_bytes / 1e6:.0f} MB limit")
                )
            else:
                paths.append(path)
    return paths, skipped


def _walk(folder: Path) -> Iterator[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith(".") or entry.name in (MANIFEST_NAME, "README.md"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file() or entry.is_symlink():
            yield entry


def _prepare(name: str, path: Path, given: Any) -> _Prepared:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError("file disappeared before it could be read") from None
    except OSError as error:
        raise LoadError(f"cannot read file: {error.strerror or error}") from None
    text, encoding = load_text(path, data)
    blocks = content_blocks(text)
    meta = derive_meta(text, blocks, given)
    document = Document(name, text, meta, encoding)
    passages = split_passages(name, text, blocks)
    return _Prepared(document, passages, schema.fingerprint(data, meta, MODEL_NAME))


def _write_document(
    passages_store: Collection,
    documents_store: Collection,
    prepared: _Prepared,
    vectors: list[list[float]],
    batch_size: int,
) -> None:
    ids = [schema.passage_id(p) for p in prepared.passages]
    metadatas = [
        schema.passage_metadata(p, i, prepared.fingerprint) for i, p in enumerate(prepared.passages)
    ]
    documents = [p.text for p in prepared.passages]
    for lo in range(0, len(ids), batch_size):
        hi = lo + batch_size
        passages_store.upsert(
            ids=ids[lo:hi],
            embeddings=vectors[lo:hi],  # type: ignore[arg-type]
            metadatas=metadatas[lo:hi],  # type: ignore[arg-type]
            documents=documents[lo:hi],
        )
    old = passages_store.get(where={"document_id": prepared.document.id}, include=[])["ids"]
    stale = sorted(set(old) - set(ids))
    for lo in range(0, len(stale), batch_size):
        passages_store.delete(ids=stale[lo : lo + batch_size])
    documents_store.upsert(
        ids=[prepared.document.id],
        embeddings=[schema.PLACEHOLDER_VECTOR],
        metadatas=[schema.document_metadata(prepared.document, prepared.fingerprint, len(ids))],
        documents=[prepared.document.text],
    )


def _indexed_fingerprints(documents_store: Collection) -> dict[str, str]:
    records = documents_store.get(include=["metadatas"])
    metadatas: Sequence[Any] = records["metadatas"] or []
    return {id_: str(meta.get("fingerprint", "")) for id_, meta in zip(records["ids"], metadatas)}


def _passage_document_ids(passages_store: Collection) -> set[str]:
    records = passages_store.get(include=["metadatas"])
    return {str(meta["document_id"]) for meta in records["metadatas"] or []}
