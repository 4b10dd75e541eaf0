"""Find the corpus files and read one safely: what the ingest may open, and what it refuses.

Symbolic links, hard links (a second name may be a file outside the corpus), special files,
hidden files and files over the size limit are refused with a reason the user sees. A file is
opened without following links and checked again once open, so one swapped in after the scan
is refused too.

Does not parse, split or embed anything.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, size_text
from ingest.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not ingested, and why."""

    name: str
    reason: str


def scan_corpus(corpus_dir: Path, max_file_bytes: int) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest, and those refused before reading (links, special files, types, sizes)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    paths: list[Path] = []
    skipped: list[Skipped] = []
    entries: list[Path] = []
    _walk(corpus_dir, corpus_dir, entries, skipped)
    for path in sorted(entries):
        name = _display_name(path, corpus_dir)
        reason = _refusal(path, corpus_dir, max_file_bytes)
        if reason:
            skipped.append(Skipped(name, reason))
        else:
            paths.append(path)
    return paths, skipped


def _refusal(path: Path, corpus_dir: Path, max_file_bytes: int) -> str:
    """Why `path` is not read at all, or "" when it should be."""
    try:
        path.relative_to(corpus_dir).as_posix().encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8 (rename it)"
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "file disappeared before it could be read"
    except OSError as error:
        return f"cannot read file: {error.strerror or error}"
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link (not followed)"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (named pipe, socket or device)"
    if info.st_nlink > 1:
        return _hard_link(info.st_nlink)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported file type {path.suffix or '(none)'!r}"
    if info.st_size > max_file_bytes:
        return _too_large(info.st_size, max_file_bytes)
    return ""


def _too_large(size: int, limit: int) -> str:
    return f"too large: {size_text(size)} is over the {size_text(limit)} limit (ASSISTANT_MAX_FILE_BYTES)"


def _hard_link(links: int) -> str:
    return (
        f"hard link (the file has {links} names, and one may be outside the corpus folder): "
        "not read; copy the file into the corpus instead"
    )


def _walk(folder: Path, root: Path, found: list[Path], skipped: list[Skipped]) -> None:
    """Every non-folder entry under `folder`; folders are entered only when they are not links."""
    try:
        entries = list(folder.iterdir())
    except OSError as error:
        skipped.append(
            Skipped(_display_name(folder, root) + "/", f"cannot list folder: {error.strerror or error}")
        )
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name in (MANIFEST_NAME, "README.md"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            _walk(entry, root, found, skipped)
        else:
            found.append(entry)


def _display_name(path: Path, root: Path) -> str:
    """The corpus-relative name, printable even when the file name is not valid UTF-8."""
    name = path.relative_to(root).as_posix()
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_file(path: Path, max_file_bytes: int) -> bytes:
    """The file's bytes, refusing links, special files and files that grew past the limit.

    A hard link cannot be told from the file it links to: its other name may be anywhere, such
    as outside the corpus folder. So any file with more than one name is refused, as symbolic
    links are, even when both names are in the corpus.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise LoadError("file disappeared before it could be read") from None
    except OSError as error:
        if path.is_symlink():
            raise LoadError("symbolic link (not followed)") from None
        raise LoadError(f"cannot read file: {error.strerror or error}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("not a regular file (named pipe, socket or device)")
        if info.st_nlink > 1:  # checked again on the open file: a link made after the scan
            raise LoadError(_hard_link(info.st_nlink))
        try:
            data = handle.read(max_file_bytes + 1)
        except OSError as error:
            raise LoadError(f"cannot read file: {error.strerror or error}") from None
    if len(data) > max_file_bytes:
        raise LoadError(_too_large(os.path.getsize(path) if path.exists() else len(data), max_file_bytes))
    return data
