"""Open the ChromaDB store: embedded on disk by default, a Chroma server when a host is given.

Telemetry is off and no embedding function is attached, so opening a collection never
reaches for the network or Chroma's default ONNX model: vectors always come from our embedder.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from ingest import schema


def open_client(index_dir: Path, host: str | None = None, port: int = 8000) -> ClientAPI:
    """A persistent client on `index_dir`, or an HTTP client when `host` is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)


def reopen_client(index_dir: Path, host: str | None = None, port: int = 8000) -> ClientAPI:
    """A client that sees what other processes have written to the store since this one opened it.

    Chroma keeps one system per embedded store per process, and that system's vector index stays as
    it was read: after another process's ingest, reading the new passages through it fails ("Error
    finding id") and searches miss them. A new system reads the store afresh. The old one is left
    to whoever still holds a client of it (a question still being answered on the previous
    version) and is freed with the last of them. A Chroma server needs none of this.
    """
    if host:
        return open_client(index_dir, host, port)
    with _REOPEN_LOCK:
        SharedSystemClient._identifier_to_system.pop(str(index_dir), None)
        return open_client(index_dir)


_REOPEN_LOCK = threading.Lock()
# SQLite binds at most 32,766 variables in one statement and Chroma binds one per record it
# returns with metadata, so every read of the store goes page by page.
READ_PAGE = 5000
# Vectors come back from a Chroma server as JSON numbers, about 25 Python objects' worth of memory
# each: a page of 1,000 kept a chat reading 100,000 through a server at 545 MB, 5,000 at 1,148 MB.
EMBEDDING_PAGE = 1000
CHANGE_KEY = "changed"  # the documents collection's metadata key of `mark_changed`'s token


@dataclass
class Records:
    """What a paged read returned: ids with the fields asked for, in the store's order."""

    ids: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[dict[str, Any]] = field(default_factory=list)
    embeddings: list[np.ndarray] = field(default_factory=list)


def read_all(
    collection: Collection,
    include: Sequence[str] = ("metadatas",),
    where: dict[str, Any] | None = None,
    page: int = READ_PAGE,
) -> Records:
    """Every record of `collection` (matching `where`), read `page` records at a time.

    A write between two pages can shift records from one page to the next: an id read twice is
    kept once, and a record missed is what the readers' consistency checks are for.
    """
    records = Records()
    seen: set[str] = set()
    offset = 0
    while True:
        got = collection.get(
            where=where,
            limit=page,
            offset=offset,
            include=list(include),  # type: ignore[arg-type]
        )
        ids = got["ids"]
        documents = got.get("documents") or []
        metadatas = got.get("metadatas") or []
        embeddings = got.get("embeddings")
        if embeddings is not None:  # one float32 copy of the page; each record's row is a view of it
            embeddings = np.asarray(embeddings, dtype=np.float32)
        for i, id_ in enumerate(ids):
            if id_ in seen:
                continue
            seen.add(id_)
            records.ids.append(id_)
            if "documents" in include:
                records.documents.append(documents[i] or "")
            if "metadatas" in include:
                records.metadatas.append(dict(metadatas[i] or {}))
            if "embeddings" in include and embeddings is not None:
                records.embeddings.append(embeddings[i])
        if len(ids) < page:
            return records
        offset += page


def read_embeddings(
    collection: Collection, ids: Sequence[str], page: int = EMBEDDING_PAGE
) -> dict[str, np.ndarray]:
    """The vectors of those of `ids` that are stored, as float32 rows, read `page` ids at a time."""
    found: dict[str, np.ndarray] = {}
    for got_ids, rows in embedding_pages(collection, ids, page):
        found.update(zip(got_ids, rows, strict=True))
    return found


def embedding_pages(
    collection: Collection, ids: Sequence[str], page: int = EMBEDDING_PAGE
) -> Iterator[tuple[list[str], np.ndarray]]:
    """The stored ones of `ids`, a page at a time: their ids and a float32 matrix of their vectors
    (one page's worth in memory, however many are asked for)."""
    for lo in range(0, len(ids), page):
        got = collection.get(ids=list(ids[lo : lo + page]), include=["embeddings"])
        embeddings = got.get("embeddings")
        if embeddings is None or not len(got["ids"]):
            continue
        yield list(got["ids"]), np.asarray(embeddings, dtype=np.float32)


def mark_changed(documents: Collection) -> None:
    """Tell readers the document records changed: a new token in the collection's metadata, which
    they read in a millisecond (`change_mark`) instead of every record (130 ms at 100,000 passages)."""
    documents.modify(metadata={CHANGE_KEY: uuid.uuid4().hex})


def change_mark(client: ClientAPI) -> str | None:
    """The token of the last change to the document records; None if no ingest has set one."""
    mark = (documents_collection(client).metadata or {}).get(CHANGE_KEY)
    return str(mark) if mark is not None else None


def passages_collection(client: ClientAPI) -> Collection:
    return _collection(client, schema.PASSAGES)


def documents_collection(client: ClientAPI) -> Collection:
    return _collection(client, schema.DOCUMENTS)


def _collection(client: ClientAPI, name: str) -> Collection:
    configuration: Any = schema.HNSW_CONFIGURATION
    return client.get_or_create_collection(name=name, configuration=configuration, embedding_function=None)


def index_exists(index_dir: Path) -> bool:
    """True when an embedded store has been written at `index_dir`."""
    return (index_dir / "chroma.sqlite3").exists()


def server_has_index(client: ClientAPI) -> bool:
    """True when the store (a Chroma server, typically) holds at least one ingested document.

    Lists collections rather than opening them, so asking never creates an empty index.
    """
    names = {getattr(c, "name", c) for c in client.list_collections()}
    if schema.DOCUMENTS not in names:
        return False
    return documents_collection(client).count() > 0
