"""The indexed corpus held in memory: documents, passages, their order and their vectors.

Read once from the index through ingest's schema. Citations are verified against the
document texts kept here, which are exactly the texts ingest split, so a quote that passes
`verify` is a word-for-word slice of what was ingested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from chromadb.api import ClientAPI

from ingest import schema
from ingest.documents import Document, Passage
from ingest.store import documents_collection, passages_collection


@dataclass(frozen=True)
class IndexedPassage:
    """A passage with its index id and its place in the document's passage order."""

    id: str
    passage: Passage
    position: int


class Library:
    """Documents and passages of one index snapshot, with lookups the answerer needs."""

    def __init__(
        self,
        documents: dict[str, Document],
        passages: list[IndexedPassage],
        vectors: np.ndarray,
    ) -> None:
        self.documents = documents
        self.passages = passages
        self.vectors = vectors
        self.row_of = {p.id: row for row, p in enumerate(passages)}
        self._by_document: dict[str, list[int]] = {}
        for row, p in sorted(enumerate(passages), key=lambda item: item[1].position):
            self._by_document.setdefault(p.passage.document_id, []).append(row)

    @classmethod
    def from_index(cls, client: ClientAPI) -> Library:
        """Load a consistent snapshot: passages whose document record matches their fingerprint."""
        doc_records = documents_collection(client).get(include=["documents", "metadatas"])
        documents: dict[str, Document] = {}
        fingerprints: dict[str, str] = {}
        for doc_id, text, meta in zip(
            doc_records["ids"], doc_records["documents"] or [], doc_records["metadatas"] or []
        ):
            documents[doc_id] = schema.document_from_record(doc_id, text or "", dict(meta))
            fingerprints[doc_id] = str(meta.get("fingerprint", ""))
        records = passages_collection(client).get(include=["documents", "metadatas", "embeddings"])
        passages: list[IndexedPassage] = []
        rows: list[Any] = []
        for pid, text, meta, vector in zip(
            records["ids"],
            records["documents"] or [],
            records["metadatas"] or [],
            records["embeddings"] if records["embeddings"] is not None else [],
        ):
            passage = schema.passage_from_record(text or "", dict(meta))
            if fingerprints.get(passage.document_id) != meta.get("fingerprint"):
                continue  # written by an ingest that has not finished: not yet citable
            passages.append(IndexedPassage(pid, passage, int(meta.get("position", 0))))
            rows.append(vector)
        vectors = np.asarray(rows, dtype=np.float32) if rows else np.zeros((0, 0), np.float32)
        return cls(documents, passages, vectors)

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> list[IndexedPassage]:
        """The passages around `passage_id` in its document, in reading order, itself included."""
        row = self.row_of[passage_id]
        document_rows = self._by_document[self.passages[row].passage.document_id]
        index = document_rows.index(row)
        window = document_rows[max(0, index - before) : index + after + 1]
        return [self.passages[r] for r in window]

    def title(self, document_id: str) -> str:
        document = self.documents.get(document_id)
        return document.title if document else document_id

    def verify(self, document_id: str, start: int, end: int, quote: str) -> bool:
        """True only when `quote` is exactly the document's text at [start, end)."""
        document = self.documents.get(document_id)
        return (
            document is not None
            and 0 <= start < end <= len(document.text)
            and document.text[start:end] == quote
        )
