"""Write to the store in the order that keeps every file answerable if the ingest is killed.

A document's new passages first, then its record (the one write that switches readers to the
new version), then the old version's passages; a sweep deletes what no record lists. See
`ingest.pipeline` for the guarantees this gives.

Does not read files, split or embed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from chromadb.api.models.Collection import Collection

from ingest import schema
from ingest.documents import Document, Passage
from ingest.store import mark_changed, read_all, read_embeddings
from ingest.vector_files import remove_unnamed, vectors_digest, write_vectors


def write_document(
    passages_store: Collection,
    documents_store: Collection,
    document: Document,
    passages: list[Passage],
    fingerprint: str,
    vectors: np.ndarray,
    batch_size: int,
    on_stage: Callable[[str], None],
    keys: tuple[str, str] = ("", ""),
    vectors_dir: Path | None = None,
) -> None:
    """Write one document's embedded passages, then its record, then delete its stale passages.
    `on_stage` is called with "embed", "write" and "clean" before each step (crash tests).
    `keys` are the file's source key and text digest, kept in the record (see `rewrite_record`).
    The vectors' digest goes in the record too, and their file into `vectors_dir` (when given)
    before the record names it."""
    name = document.id
    ids = [schema.passage_id(p) for p in passages]
    for lo in range(0, len(passages), batch_size):
        batch = passages[lo : lo + batch_size]
        on_stage("embed")
        passages_store.upsert(
            ids=ids[lo : lo + batch_size],
            embeddings=vectors[lo : lo + batch_size].tolist(),
            metadatas=[schema.passage_metadata(p, lo + i, fingerprint) for i, p in enumerate(batch)],
            documents=[p.text for p in batch],
        )
    on_stage("write")
    digest = _name_stored_vectors(passages_store, ids, vectors_dir)
    documents_store.upsert(
        ids=[name],
        embeddings=np.asarray([schema.PLACEHOLDER_VECTOR], dtype=np.float32),
        metadatas=[schema.document_metadata(document, fingerprint, ids, passages, *keys, digest)],
        documents=[document.text],
    )
    mark_changed(documents_store)
    on_stage("clean")
    old = read_all(passages_store, (), where={"document_id": name}).ids
    delete_ids(passages_store, sorted(set(old) - set(ids)), batch_size)


def sweep(
    passages_store: Collection,
    documents_store: Collection,
    present: set[str],
    vectors_dir: Path | None = None,
) -> list[str]:
    """Delete files that are gone, and passages no document record lists; return the files removed.
    Vector files no remaining record names go too.

    A passage a record lists is always stored (it is written before the record, and only unlisted
    passages are ever deleted), so when the store holds exactly as many passages as the records
    list, none is unlisted and the passages need not be read (the usual case: no run was killed
    between writing a record and deleting its old passages)."""
    records = read_all(documents_store, ("metadatas",))
    live: dict[str, frozenset[str] | None] = {
        id_: schema.live_passage_ids(meta) for id_, meta in zip(records.ids, records.metadatas, strict=True)
    }
    removed = sorted(name for name in live if name not in present)
    for name in removed:  # the record first: its passages are then unlisted, and swept if killed here
        documents_store.delete(ids=[name])
        mark_changed(documents_store)
        delete_ids(passages_store, read_all(passages_store, (), where={"document_id": name}).ids, 2048)
    kept = {name: ids for name, ids in live.items() if name in present}
    if vectors_dir is not None:
        named = zip(records.ids, records.metadatas, strict=True)
        remove_unnamed(
            vectors_dir, (str(meta.get("vectors_digest", "")) for name, meta in named if name in present)
        )
    lists = list(kept.values())
    if all(ids is not None for ids in lists) and passages_store.count() == sum(
        len(ids or ()) for ids in lists
    ):
        return removed
    return sorted(removed + _delete_unlisted(passages_store, kept, present))


def _delete_unlisted(
    passages_store: Collection, live: dict[str, frozenset[str] | None], present: set[str]
) -> list[str]:
    """Read every passage's document and delete those no record lists: the passages of a file
    that has no record (and is gone), and a record's stale ones. Returns the files whose passages
    went with no record left."""
    passages = read_all(passages_store, ("metadatas",))
    by_document: dict[str, list[str]] = {}
    for pid, meta in zip(passages.ids, passages.metadatas, strict=True):
        by_document.setdefault(str(meta["document_id"]), []).append(pid)
    orphaned = sorted(name for name in by_document if name not in live and name not in present)
    for name in orphaned:
        delete_ids(passages_store, by_document[name], 2048)
    stale: list[str] = []
    for name, pids in by_document.items():
        listed = live.get(name)
        if name in present and listed is not None:
            stale += [pid for pid in pids if pid not in listed]
    delete_ids(passages_store, sorted(stale), 2048)
    return orphaned


def delete_ids(collection: Collection, ids: Sequence[str], batch_size: int) -> None:
    for lo in range(0, len(ids), batch_size):
        collection.delete(ids=list(ids[lo : lo + batch_size]))


@dataclass(frozen=True)
class IndexedFile:
    """What a document record says of its file: enough to tell it unchanged without reading it."""

    fingerprint: str
    source: str  # `schema.source_key`; "" in records written before it was kept
    text_digest: str
    encoding: str
    vectors_digest: str  # "" in records written before vectors had files


def indexed_files(documents_store: Collection) -> dict[str, IndexedFile]:
    records = read_all(documents_store, ("metadatas",))
    return {
        id_: IndexedFile(
            str(meta.get("fingerprint", "")),
            str(meta.get("source", "") or ""),
            str(meta.get("text_digest", "") or ""),
            str(meta.get("encoding", "utf-8")),
            str(meta.get("vectors_digest", "") or ""),
        )
        for id_, meta in zip(records.ids, records.metadatas, strict=True)
    }


def rewrite_record(
    passages_store: Collection,
    documents_store: Collection,
    document: Document,
    passages: list[Passage],
    fingerprint: str,
    keys: tuple[str, str],
    vectors_dir: Path | None = None,
) -> None:
    """Write an unchanged file's record again, as this version writes records (its source key,
    its passages described, its vectors' digest), without touching its passages: it lists the very
    same ids. Their vectors are read once, to name them (and written to `vectors_dir`)."""
    ids = [schema.passage_id(p) for p in passages]
    digest = _name_stored_vectors(passages_store, ids, vectors_dir)
    documents_store.upsert(
        ids=[document.id],
        embeddings=np.asarray([schema.PLACEHOLDER_VECTOR], dtype=np.float32),
        metadatas=[schema.document_metadata(document, fingerprint, ids, passages, *keys, digest)],
        documents=[document.text],
    )


def name_vectors(
    passages_store: Collection, documents_store: Collection, name: str, vectors_dir: Path | None
) -> None:
    """Give a record written before vectors were named its vectors' digest (and their file), once:
    its passages and text stay as they are. Nothing changes if any listed passage is missing."""
    got = documents_store.get(ids=[name], include=["metadatas"])
    if not got["ids"] or not got["metadatas"]:
        return
    metadata = dict(got["metadatas"][0] or {})
    raw = str(metadata.get("passage_ids", "") or "")
    digest = _name_stored_vectors(passages_store, raw.split(",") if raw else [], vectors_dir)
    if digest:
        documents_store.update(ids=[name], metadatas=[{**metadata, "vectors_digest": digest}])


def _name_stored_vectors(passages_store: Collection, ids: list[str], vectors_dir: Path | None) -> str:
    """The digest of `ids`' vectors as the store returns them (it normalises what it is given, so
    they are read back rather than taken from the encoder), their file written to `vectors_dir`;
    "" when a passage is missing or there are none."""
    stored = read_embeddings(passages_store, ids)
    if not ids or len(stored) != len(ids):
        return ""
    vectors = np.vstack([stored[i] for i in ids])
    digest = vectors_digest(ids, vectors)
    if vectors_dir is not None:
        write_vectors(vectors_dir, digest, vectors)
    return digest
