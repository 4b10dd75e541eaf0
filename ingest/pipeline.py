"""Ingest a corpus folder into the index: load → clean → split → embed → write.

Only files whose fingerprint changed are embedded again, and a file whose bytes and manifest
entry are those its record was written from is not even read again; files gone from the folder
lose their passages. Writes are ordered so that a kill at any point leaves an index that still
answers with the previous version of every file and that the next run completes:

1. the file's new passages are upserted (ids are content-derived, so unchanged sentences keep
   their ids; the old version's record does not list the new ones, so readers ignore them);
2. the document record is written with the new fingerprint, text and list of passage ids:
   this single write switches readers from the old version to the new one;
3. passages of the old version that the record no longer lists are deleted.

Every run ends with a sweep that deletes passages no record lists (left by a kill between 2
and 3) and passages of files that are gone. A file that cannot be read, or that vanishes
mid-run, is reported and skipped; whatever the index already held for it is kept.

Work per file is bounded: a file with more than `max_passages_per_file` passages is skipped
(splitting stops there), and a file that takes long prints progress lines (`FileProgress`).

This module decides what happens to each file and in what order; the stages are elsewhere:
`ingest.preparing` (one file read, cleaned and split), `ingest.embedding_groups` (encoder calls)
and `ingest.writing` (the ordered writes above, and the sweep).

Does not answer questions and knows nothing of the assistant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from chromadb.api import ClientAPI

from ingest import schema
from ingest.embedder import Embedder, encoder_name
from ingest.embedding_groups import embed_group, embedding_bar, embedding_groups
from ingest.loaders import DEFAULT_MAX_INFLATED_BYTES, LoadError
from ingest.manifest import read_manifest
from ingest.preparing import FileLimits, PreparedFile, prepare_file
from ingest.progress import DEFAULT_PROGRESS_INTERVAL_S, FileProgress
from ingest.scanning import Skipped, read_file, scan_corpus
from ingest.splitter import DEFAULT_MAX_PASSAGES_PER_FILE
from ingest.store import documents_collection, passages_collection
from ingest.writing import indexed_files, name_vectors, rewrite_record, sweep, write_document

# Called as hook(stage, document name) at the points where a kill is most telling:
# "embed" (a batch of the document is embedded, nothing of it written yet), "write" (its
# passages are written, its record is not) and "clean" (its record is written, its stale
# passages are not yet deleted). The crash tests pause there (`tests/ingest_paused.py`).
StageHook = Callable[[str, str], None]

_PLAIN_ENCODINGS = ("utf-8", "pdf", "docx", "html (utf-8)", "markdown (utf-8)")


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
    notes: dict[str, list[str]] = field(default_factory=dict)  # file -> what its reader reported
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.files} files ({len(self.embedded_files)} embedded, {self.unchanged_files} "
            f"unchanged, {len(self.removed_files)} removed), {self.passages} passages, "
            f"{len(self.skipped)} skipped, {self.seconds:.1f} s"
        )

    def decoded_notes(self) -> list[str]:
        """Files that were not plain UTF-8 text, with the encoding they were read as, and what the
        readers reported (a PDF page with no text layer)."""
        return [
            f"{name}: read as {enc}" for name, enc in self.encodings.items() if enc not in _PLAIN_ENCODINGS
        ] + [f"{name}: {note}" for name, notes in self.notes.items() for note in notes]


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
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    max_passages_per_file: int = DEFAULT_MAX_PASSAGES_PER_FILE,
    progress_lines: Callable[[str], None] | None = None,
    progress_interval_s: float = DEFAULT_PROGRESS_INTERVAL_S,
    vectors_dir: Path | None = None,
) -> IngestSummary:
    """Bring the index in line with `corpus_dir` and report what changed.

    `embedder` is called only when something needs embedding, so a no-op run skips the model load.
    `encoder` is its `encoder_name` (default: the default encoder's), known before it is loaded:
    it is part of each file's fingerprint, so changing encoder re-embeds every file.
    `progress` draws the embedding bar; `progress_lines` receives a line every
    `progress_interval_s` seconds while one file takes long (while embedding, only without the bar).
    `vectors_dir` receives each written document's vectors as a file (`ingest.vector_files`).
    """
    started = time.perf_counter()
    summary = IngestSummary()
    manifest = read_manifest(corpus_dir)
    passages_store = passages_collection(client)
    documents_store = documents_collection(client)
    indexed = indexed_files(documents_store)
    vectors_by = encoder or encoder_name()
    limits = FileLimits(max_file_bytes, max_inflated_bytes, max_passages_per_file)
    lines = FileProgress(progress_lines, progress_interval_s)

    paths, summary.skipped = scan_corpus(corpus_dir, max_file_bytes)
    present: set[str] = set()
    changed: list[PreparedFile] = []
    outdated_records: list[PreparedFile] = []
    unnamed_vectors: list[str] = []  # unchanged files whose records do not name their vectors yet
    first_with_text: dict[str, str] = {}
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        known = indexed.get(name)
        try:
            data = read_file(path, max_file_bytes)
            given = manifest.get(name)
            source = schema.source_key(data, given, vectors_by, limits.key())
            unread = known is not None and known.source == source
            prepared = (
                None if unread else prepare_file(name, path, data, source, given, limits, vectors_by, lines)
            )
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
        if prepared is None:  # the same bytes, manifest entry, pipeline and model: not read again
            assert known is not None
            text_digest, encoding = known.text_digest, known.encoding
        else:
            text_digest, encoding = prepared.text_digest, prepared.document.encoding
        same_as = first_with_text.setdefault(text_digest, name)
        if same_as != name:
            summary.skipped.append(Skipped(name, f"same text as {same_as} (indexed once, under that name)"))
            continue
        present.add(name)
        summary.files += 1
        summary.encodings[name] = encoding
        if prepared is None:
            summary.unchanged_files += 1
            if known is not None and not known.vectors_digest:
                unnamed_vectors.append(name)
            continue
        if prepared.notes:
            summary.notes[name] = list(prepared.notes)
        if known is not None and known.fingerprint == prepared.fingerprint:
            summary.unchanged_files += 1
            outdated_records.append(prepared)  # written before records kept sources: rewritten below
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
        bar = embedding_bar(sum(len(p.passages) for p in changed), progress)
        embed_lines = lines if bar is None else FileProgress(None, 0)

        def write_group(group: list[PreparedFile], vectors: np.ndarray) -> None:
            offset = 0
            for prepared in group:
                count = len(prepared.passages)
                name = prepared.document.id
                write_document(
                    passages_store,
                    documents_store,
                    prepared.document,
                    prepared.passages,
                    prepared.fingerprint,
                    vectors[offset : offset + count],
                    write_batch_size,
                    lambda stage, name=name: _stage(stage_hook, stage, name),  # type: ignore[misc]
                    (prepared.source, prepared.text_digest),
                    vectors_dir,
                )
                offset += count
                summary.embedded_files.append(prepared.document.id)
                summary.embedded_passages += count

        # The next group is embedded while one thread writes the last one, in file order: the
        # encoder and Chroma's writes overlap, and the write order above is unchanged.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            writing: Future[None] | None = None
            for group in embedding_groups(changed, embed_group_size):
                vectors = embed_group(model, group, embed_group_size, bar, embed_lines)
                if writing is not None:
                    writing.result()  # a failed write stops the run before anything else is written
                writing = writer.submit(write_group, group, vectors)
            if writing is not None:
                writing.result()
        if bar is not None:
            bar.close()

    for prepared in outdated_records:
        keys = (prepared.source, prepared.text_digest)
        rewrite_record(
            passages_store,
            documents_store,
            prepared.document,
            prepared.passages,
            prepared.fingerprint,
            keys,
            vectors_dir,
        )
    for name in unnamed_vectors:
        name_vectors(passages_store, documents_store, name, vectors_dir)
    summary.removed_files = sweep(passages_store, documents_store, present, vectors_dir)
    summary.passages = passages_store.count()
    summary.seconds = time.perf_counter() - started
    return summary


def _stage(hook: StageHook | None, stage: str, name: str) -> None:
    if hook is not None:
        hook(stage, name)
