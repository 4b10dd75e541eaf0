"""The vectors of the passages the document records list: from the vector files where they hold
exactly what a record names, else through the passage store a page at a time (and then kept as
a file for the next reader). One matrix, allocated once, so loading does not hold the vectors
twice (read through a Chroma server all at once, they took a chat to 1.28 GB at 100,000).

Does not decide which passages are live: the records do (see `library`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from chromadb.api.models.Collection import Collection

from ingest.store import embedding_pages
from ingest.vector_files import VECTOR_DTYPE, read_vectors_into, vector_width, vectors_digest, write_vectors


@dataclass(frozen=True)
class ListedVectors:
    """One document version's passage ids, in order, and the digest its record names them by."""

    ids: Sequence[str]
    digest: str  # "" for a record written before vectors were named


def read_listed_vectors(
    store: Collection, folder: Path | None, listed: Sequence[ListedVectors]
) -> tuple[np.ndarray, np.ndarray]:
    """A matrix with one row per listed id (documents in order) and a mask of the rows found: a
    row is missing only when its passage is not in the store (an ingest caught mid-write)."""
    starts = np.cumsum([0] + [len(d.ids) for d in listed])
    total = int(starts[-1])
    matrix: np.ndarray | None = None
    found = np.zeros(total, dtype=bool)
    unread: list[int] = []
    for number, document in enumerate(listed):
        if matrix is None and folder is not None and document.digest:
            width = vector_width(folder, document.digest)
            if width is not None:
                matrix = np.zeros((total, width), dtype=VECTOR_DTYPE)
        rows = slice(int(starts[number]), int(starts[number + 1]))
        if (
            matrix is not None
            and folder is not None
            and read_vectors_into(folder, document.digest, document.ids, matrix[rows])
        ):
            found[rows] = True
        else:
            unread.append(number)
    if unread:
        row_of = {
            pid: int(starts[number]) + offset
            for number in unread
            for offset, pid in enumerate(listed[number].ids)
        }
        for ids, vectors in embedding_pages(store, list(row_of)):
            if matrix is None:
                matrix = np.zeros((total, vectors.shape[1]), dtype=VECTOR_DTYPE)
            rows_read = [row_of[pid] for pid in ids]
            matrix[rows_read] = vectors
            found[rows_read] = True
    if matrix is None:
        matrix = np.zeros((total, 0), dtype=VECTOR_DTYPE)
    for number in unread:
        _keep_file(matrix, found, int(starts[number]), listed[number], folder)
    return matrix, found


def _keep_file(
    matrix: np.ndarray, found: np.ndarray, start: int, document: ListedVectors, folder: Path | None
) -> None:
    """Keep a document's vectors, read through the store, as a file when they are all there and
    are exactly what its record names."""
    rows = slice(start, start + len(document.ids))
    if folder is not None and document.digest and found[rows].all():
        block = matrix[rows]
        if vectors_digest(document.ids, block) == document.digest:
            write_vectors(folder, document.digest, block)
