"""The indexed corpus held in memory: documents, passages, their order and their vectors.

Read once from the index through ingest's schema. Citations are verified against the
document texts kept here, which are exactly the texts ingest split, so a quote that passes
`verify` is a word-for-word slice of what was ingested.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from chromadb.api import ClientAPI

from assistant.core.listed_vectors import ListedVectors, read_listed_vectors
from ingest import schema
from ingest.documents import Document, Passage
from ingest.store import change_mark, documents_collection, passages_collection, read_all

_NORM_BLOCK = 8192  # rows whose window norms are summed at once: a few MB, whatever the library's size


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
        *,
        signature: tuple[tuple[str, str], ...] = (),
        complete: bool = True,
        digests: dict[str, str] | None = None,
        mark: str | None = None,
    ) -> None:
        self.documents = documents
        self.passages = passages
        self.vectors = vectors
        self.signature = signature  # the documents' ids and fingerprints this snapshot was read at
        self.complete = complete  # False when a listed passage was missing from the store
        self.digests = digests or {}  # document id -> its record's vectors digest ("" if none)
        self.mark = mark  # the index's change mark when this snapshot began to be read
        self.row_of = {p.id: row for row, p in enumerate(passages)}
        self._by_document: dict[str, list[int]] = {}
        for row, p in enumerate(passages):
            self._by_document.setdefault(p.passage.document_id, []).append(row)
        # Reading order by offset: a passage kept across versions keeps its span, not its position.
        # Sorted per document (rows mostly come in that order already), not all rows at once.
        for rows in self._by_document.values():
            rows.sort(key=lambda row: (passages[row].passage.start, passages[row].passage.end))
        self._place = {row: index for rows in self._by_document.values() for index, row in enumerate(rows)}

    @classmethod
    def from_index(cls, client: ClientAPI, attempts: int = 3, vectors_dir: Path | None = None) -> Library:
        """Load a consistent snapshot: for each document, exactly the passages its record lists.

        The record and the passages are two reads; an ingest committing a document between them
        shows up as listed passages that were missing (already deleted as stale), and the load is
        retried. If it stays incomplete, the passages found are still exact slices of their texts.
        Vectors come from `vectors_dir`'s files where they hold what the records name.
        """
        library = cls._load(client, vectors_dir)
        for _ in range(attempts - 1):
            if library.complete:
                break
            library = cls._load(client, vectors_dir)
        return library

    @classmethod
    def _load(cls, client: ClientAPI, vectors_dir: Path | None) -> Library:
        mark = change_mark(client)  # before the records: a change made while reading shows as new
        doc_records = read_all(documents_collection(client), ("documents", "metadatas"))
        documents: dict[str, Document] = {}
        live: dict[str, frozenset[str] | None] = {}
        fingerprints: dict[str, str] = {}
        digests: dict[str, str] = {}
        described: list[tuple[ListedVectors, list[Passage]]] = []
        every_record_describes = True
        for doc_id, text, meta in zip(
            doc_records.ids, doc_records.documents, doc_records.metadatas, strict=True
        ):
            document = documents[doc_id] = schema.document_from_record(doc_id, text, meta)
            live[doc_id] = schema.live_passage_ids(meta)
            fingerprints[doc_id] = str(meta.get("fingerprint", ""))
            digests[doc_id] = str(meta.get("vectors_digest", "") or "")
            listed = schema.passages_from_record(document, meta)
            raw_ids = str(meta.get("passage_ids", "") or "")
            ids = raw_ids.split(",") if raw_ids else []
            if listed is None or len(listed) != len(ids):
                every_record_describes = False
                continue
            described.append((ListedVectors(ids, digests[doc_id]), listed))
        if every_record_describes:
            passages, vectors = cls._described_passages(client, described, vectors_dir)
        else:
            passages, vectors = cls._stored_passages(client, documents, live, fingerprints)
        expected = sum(len(ids) for ids in live.values() if ids is not None)
        found = sum(1 for p in passages if live.get(p.passage.document_id) is not None)
        signature = _signature(doc_records.ids, fingerprints)
        return cls(
            documents,
            passages,
            vectors,
            signature=signature,
            complete=found == expected,
            digests=digests,
            mark=mark,
        )

    @staticmethod
    def _described_passages(
        client: ClientAPI, described: list[tuple[ListedVectors, list[Passage]]], vectors_dir: Path | None
    ) -> tuple[list[IndexedPassage], np.ndarray]:
        """The live passages as their documents' records describe them, sliced from the documents'
        texts, with their vectors (`listed_vectors`): no passage text or metadata is read from the
        passage store."""
        matrix, found = read_listed_vectors(
            passages_collection(client), vectors_dir, [listed for listed, _ in described]
        )
        passages = [
            IndexedPassage(pid, passage, position)
            for listed, document_passages in described
            for position, (pid, passage) in enumerate(zip(listed.ids, document_passages, strict=True))
        ]
        if found.all():
            return passages, matrix
        return [p for p, present in zip(passages, found, strict=True) if present], matrix[found]

    @staticmethod
    def _stored_passages(
        client: ClientAPI,
        documents: dict[str, Document],
        live: dict[str, frozenset[str] | None],
        fingerprints: dict[str, str],
    ) -> tuple[list[IndexedPassage], np.ndarray]:
        """The live passages read from the passage store's own metadata: for indexes written
        before document records described their passages."""
        records = read_all(passages_collection(client), ("documents", "metadatas", "embeddings"))
        passages: list[IndexedPassage] = []
        kept: list[np.ndarray] = []
        for pid, text, meta, vector in zip(
            records.ids, records.documents, records.metadatas, records.embeddings, strict=True
        ):
            passage = schema.passage_from_record(text, meta)
            document = documents.get(passage.document_id)
            listed = live.get(passage.document_id)
            if listed is None:  # a record from before records listed their passages
                if fingerprints.get(passage.document_id) != meta.get("fingerprint"):
                    continue  # written by an ingest that has not finished: not yet citable
            elif pid not in listed:
                continue  # another version's passage (not yet committed, or stale)
            if document is None or document.text[passage.start : passage.end] != passage.text:
                continue  # never offer a passage a citation could not be verified against
            passages.append(IndexedPassage(pid, passage, int(meta.get("position", 0))))
            kept.append(vector)
        return passages, np.vstack(kept) if kept else np.zeros((0, 0), np.float32)

    @staticmethod
    def current_signature(client: ClientAPI) -> tuple[tuple[str, str], ...]:
        """What the index's documents are now (ids and fingerprints): one small read."""
        records = read_all(documents_collection(client), ("metadatas",))
        fingerprints = {
            i: str(m.get("fingerprint", "")) for i, m in zip(records.ids, records.metadatas, strict=True)
        }
        return _signature(records.ids, fingerprints)

    @cached_property
    def _window_links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's previous and next row in its document (-1 at an end), and the norm of its
        vector summed with theirs: all a window's similarity needs, without a second matrix (the
        norms are summed a block of rows at a time, so no copy of the vectors is made either)."""
        size = len(self.passages)
        previous = np.full(size, -1, dtype=np.int64)
        following = np.full(size, -1, dtype=np.int64)
        for rows in self._by_document.values():
            ordered = np.asarray(rows, dtype=np.int64)
            previous[ordered[1:]] = ordered[:-1]
            following[ordered[:-1]] = ordered[1:]
        norms = np.ones(size, dtype=np.float32)
        for start in range(0, size, _NORM_BLOCK):
            block = slice(start, min(start + _NORM_BLOCK, size))
            norms[block] = np.linalg.norm(
                self._summed_with_neighbours(np.arange(block.start, block.stop), previous, following), axis=1
            )
        return previous, following, np.where(norms == 0, 1.0, norms)

    def _summed_with_neighbours(
        self, index: np.ndarray, previous: np.ndarray, following: np.ndarray
    ) -> np.ndarray:
        """The vectors of rows `index`, each summed with its neighbours' in its document."""
        summed = np.array(self.vectors[index], dtype=np.float32, copy=True)
        for links in (previous[index], following[index]):
            present = links >= 0
            summed[present] += self.vectors[links[present]]
        return summed

    def window_similarities(self, similarities: np.ndarray) -> np.ndarray:
        """Each passage's similarity in its context, from its own and its neighbours' similarities
        to a query (`vectors @ query`): the cosine of the query with the passage's vector averaged
        with its neighbours' ("He added that ..." is about whoever the sentence before names)."""
        previous, following, norms = self._window_links
        summed = np.array(similarities, dtype=np.float64, copy=True)
        summed += np.where(previous >= 0, similarities[previous], 0.0)
        summed += np.where(following >= 0, similarities[following], 0.0)
        return np.asarray(summed / norms)

    def window_vectors_of(self, rows: list[int]) -> np.ndarray:
        """The normalised window vectors (see `window_similarities`) of some rows."""
        previous, following, norms = self._window_links
        index = np.asarray(rows, dtype=np.int64)
        return np.asarray(self._summed_with_neighbours(index, previous, following) / norms[index][:, None])

    def neighbours(self, passage_id: str, before: int = 1, after: int = 1) -> list[IndexedPassage]:
        """The passages around `passage_id` in its document, in reading order, itself included."""
        row = self.row_of[passage_id]
        document_rows = self._by_document[self.passages[row].passage.document_id]
        index = self._place[row]
        window = document_rows[max(0, index - before) : index + after + 1]
        return [self.passages[r] for r in window]

    def following(self, row: int) -> int | None:
        """The row of the passage right after `row` in its document, or None at the document's end."""
        document_rows = self._by_document[self.passages[row].passage.document_id]
        index = self._place[row] + 1
        return document_rows[index] if index < len(document_rows) else None

    def in_document(self, document_id: str) -> list[IndexedPassage]:
        """The document's passages in reading order."""
        return [self.passages[r] for r in self._by_document.get(document_id, [])]

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


def _signature(ids: list[str], fingerprints: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((i, fingerprints.get(i, "")) for i in ids))
