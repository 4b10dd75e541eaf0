"""Open the ChromaDB store: embedded on disk by default, a Chroma server when a host is given.

Telemetry is off and no embedding function is attached, so opening a collection never
reaches for the network or Chroma's default ONNX model: vectors always come from our embedder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from ingest import schema


def open_client(index_dir: Path, host: str | None = None, port: int = 8000) -> ClientAPI:
    """A persistent client on `index_dir`, or an HTTP client when `host` is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)


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
