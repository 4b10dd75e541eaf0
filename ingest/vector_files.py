"""Each document version's passage vectors kept as one .npy file beside the index.

A chat process needs every passage vector at start and after each re-ingest. Read through
Chroma, 100,000 of them take some 6 s (they come back as Python floats); read from these files,
a fraction of a second. The ingest writes a document's file, named by the digest of its passage
ids and vectors, before the record that lists those passages, and keeps the digest in the record;
a reader uses a file only when its contents hash to the record's digest, so a stale, truncated or
foreign file is never used, only read around (through Chroma, as before). A chat process that
had to read a document's vectors through Chroma (another machine ingested it) writes the file
for the next start. Files no record names are removed at the end of each ingest.

The files are a cache: deleting the folder loses nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ingest.files import TEMPORARY_SUFFIX, write_atomically

SUFFIX = ".npy"
VECTOR_DTYPE = np.float32


def vectors_digest(ids: Sequence[str], vectors: np.ndarray) -> str:
    """What names a document version's vectors: its passage ids, in order, and their float32 bytes."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update("\x00".join(ids).encode("utf-8"))
    digest.update(b"\x01")
    digest.update(np.ascontiguousarray(vectors, dtype=VECTOR_DTYPE).tobytes())
    return digest.hexdigest()


def file_for(folder: Path, digest: str) -> Path:
    return folder / f"{digest}{SUFFIX}"


def write_vectors(folder: Path, digest: str, vectors: np.ndarray) -> bool:
    """Keep `vectors` under `digest`, atomically (a reader sees no file or the whole one).
    False when the folder cannot be written: the files are a cache, and the store has the vectors."""
    target = file_for(folder, digest)
    if target.exists():
        return True
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(vectors, dtype=VECTOR_DTYPE), allow_pickle=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(target, buffer.getvalue())
    except OSError:
        return False
    return True


def read_vectors_into(folder: Path, digest: str, ids: Sequence[str], out: np.ndarray) -> bool:
    """Fill `out` (one row per id) from the file named `digest`; True only when the file holds
    exactly the vectors `digest` names. `out` is undefined when False is returned."""
    if not digest:
        return False
    try:
        stored = np.load(file_for(folder, digest), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return False
    if stored.dtype != VECTOR_DTYPE or stored.shape != out.shape:
        return False
    out[...] = stored
    del stored  # unmapped: only the rows copied into `out` stay resident
    return vectors_digest(ids, out) == digest


def vector_width(folder: Path, digest: str) -> int | None:
    """The width of the vectors in the file named `digest`, read from its header; None if none."""
    try:
        stored = np.load(file_for(folder, digest), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return int(stored.shape[1]) if stored.ndim == 2 else None


def remove_unnamed(folder: Path, keep: Iterable[str]) -> int:
    """Delete the files (and leftover partial writes) whose digest is not in `keep`; how many went."""
    wanted = {f"{digest}{SUFFIX}" for digest in keep}
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        if path.name in wanted or not (path.name.endswith(SUFFIX) or path.name.endswith(TEMPORARY_SUFFIX)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
