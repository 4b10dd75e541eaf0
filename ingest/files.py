"""Writing a file so that a crash leaves either the old file or the new one, never half of one.

The users file, documents uploaded from the chat, and the vector and parse files kept beside the
index are written this way: a hidden temporary file in the same folder (which the ingest never
reads), flushed to disk, renamed over the target, and the folder's entry flushed too. It lives in
`ingest/` because the ingest writes with it too, and `ingest/` never imports `assistant/`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"  # of a write a crash interrupted: cleaners may remove such files


def write_atomically(path: Path, data: bytes, *, permissions: int | None = None) -> None:
    """Replace `path` with `data` in one step; `permissions` are set before any byte is written."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        if permissions is not None:
            os.fchmod(fd, permissions)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a rename or deletion survives a crash."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
