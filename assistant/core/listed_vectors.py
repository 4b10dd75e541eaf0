"""The vectors of the passages the document records list: from the vector files where they hold
exactly what a record names, else through the passage store (and then kept as a file for the
next reader). One matrix, allocated once, so loading does not hold the vectors twice.

Does not decide which passages are live: the records do (see `library`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from chromadb.api.models.Collection import Collection

from ingest.store import read_embeddings
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
        stored = read_embeddings(store, [pid for number in unread for pid in listed[number].ids])
        if matrix is None:
            width = len(next(iter(stored.values()))) if stored else 0
            matrix = np.zeros((total, width), dtype=VECTOR_DTYPE)
        for number in unread:
            _fill(matrix, found, int(starts[number]), listed[number], stored, folder)
    if matrix is None:
        matrix = np.zeros((total, 0), dtype=VECTOR_DTYPE)
    return matrix, found


def _fill(
    matrix: np.ndarray,
    found: np.ndarray,
    start: int,
    document: ListedVectors,
    stored: dict[str, np.ndarray],
    folder: Path | None,
) -> None:
    """Copy one document's stored vectors into its rows; keep them as a file when they are all
    there and are exactly what its record names."""
    for offset, pid in enumerate(document.ids):
        vector = stored.get(pid)
        if vector is not None:
            matrix[start + offset] = vector
            found[start + offset] = True
    rows = slice(start, start + len(document.ids))
    if folder is not None and document.digest and found[rows].all():
        block = matrix[rows]
        if vectors_digest(document.ids, block) == document.digest:
            write_vectors(folder, document.digest, block)
