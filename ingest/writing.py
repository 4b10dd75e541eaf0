"""Write to the store in the order that keeps every file answerable if the ingest is killed.

A document's new passages first, then its record (the one write that switches readers to the
new version), then the old version's passages; a sweep deletes what no record lists. See
`ingest.pipeline` for the guarantees this gives.

Does not read files, split or embed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from chromadb.api.models.Collection import Collection

from ingest import schema
from ingest.documents import Document, Passage
from ingest.store import read_all


def write_document(
    passages_store: Collection,
    documents_store: Collection,
    document: Document,
    passages: list[Passage],
    fingerprint: str,
    vectors: np.ndarray,
    batch_size: int,
    on_stage: Callable[[str], None],
) -> None:
    """Write one document's embedded passages, then its record, then delete its stale passages.
    `on_stage` is called with "embed", "write" and "clean" before each step (crash tests)."""
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
    documents_store.upsert(
        ids=[name],
        embeddings=np.asarray([schema.PLACEHOLDER_VECTOR], dtype=np.float32),
        metadatas=[schema.document_metadata(document, fingerprint, ids, passages)],
        documents=[document.text],
    )
    on_stage("clean")
    old = read_all(passages_store, (), where={"document_id": name}).ids
    delete_ids(passages_store, sorted(set(old) - set(ids)), batch_size)


def sweep(passages_store: Collection, documents_store: Collection, present: set[str]) -> list[str]:
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
        delete_ids(passages_store, by_document.get(name, []), 2048)
        documents_store.delete(ids=[name])
    stale: list[str] = []
    for name, pids in by_document.items():
        listed = live.get(name)
        if name in present and listed is not None:
            stale += [pid for pid in pids if pid not in listed]
    delete_ids(passages_store, sorted(stale), 2048)
    return removed


def delete_ids(collection: Collection, ids: Sequence[str], batch_size: int) -> None:
    for lo in range(0, len(ids), batch_size):
        collection.delete(ids=list(ids[lo : lo + batch_size]))


def indexed_fingerprints(documents_store: Collection) -> dict[str, str]:
    records = read_all(documents_store, ("metadatas",))
    return {
        id_: str(meta.get("fingerprint", ""))
        for id_, meta in zip(records.ids, records.metadatas, strict=True)
    }
