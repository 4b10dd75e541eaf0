"""Every passage parsed once, at ingest, and kept beside the vector files.

Candidates are passages, and each is parsed by spaCy before its features are computed. At
100,000 passages most candidates are new to a chat process: parsing them was about 75 ms of a
question. Here each document version's passages are parsed when it is ingested and kept in one
file named by its record's vectors digest (which names its passage ids, hence their texts) and
by the parse format (the pipeline's name and version, the record layout), so a file stands only
for parses the chat would make itself. A chat reads just the records of the candidates it meets;
a passage without a readable record is parsed as before.

Layout: the count n (uint64), n + 1 offsets (uint64) into the rest, then each passage's record
(`language.to_record`, compact JSON: decoding one takes microseconds) in the order its document
record lists them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chromadb.api import ClientAPI

from assistant.answering.language import Language, Parsed, from_record, parse_format, to_record
from assistant.core.library import Library
from ingest import schema
from ingest.files import TEMPORARY_SUFFIX, write_atomically
from ingest.store import documents_collection, read_all

SUFFIX = ".parses"
_COUNT = struct.Struct("<Q")


def file_name(digest: str, format_name: str) -> str:
    """`<vectors digest>-<format digest>.parses`."""
    return f"{digest}-{hashlib.blake2b(format_name.encode(), digest_size=4).hexdigest()}{SUFFIX}"


def write_parses(path: Path, parsed: Sequence[Parsed]) -> None:
    """Write one document version's parses atomically (a reader sees no file or the whole one)."""
    blobs = [json.dumps(to_record(p), separators=(",", ":")).encode("utf-8") for p in parsed]
    offsets = [0]
    for blob in blobs:
        offsets.append(offsets[-1] + len(blob))
    path.parent.mkdir(parents=True, exist_ok=True)
    header = _COUNT.pack(len(blobs)) + struct.pack(f"<{len(offsets)}Q", *offsets)
    write_atomically(path, b"".join([header, *blobs]))


def read_parse(path: Path, position: int, text: str) -> Parsed | None:
    """The parse of the passage at `position` in the file, for `text`; None when it cannot be read."""
    try:
        with path.open("rb") as source:
            (count,) = _COUNT.unpack(source.read(_COUNT.size))
            if not 0 <= position < count:
                return None
            source.seek(_COUNT.size * (1 + position))
            start, end = struct.unpack("<2Q", source.read(16))
            source.seek(_COUNT.size * (count + 2) + start)
            record: Any = json.loads(source.read(end - start))
        parsed = from_record(text, record)
    except (OSError, ValueError, TypeError, struct.error):
        return None
    return parsed if all(t.end <= len(text) for t in parsed.tokens) else None


def keep_parses(
    folder: Path,
    client: ClientAPI,
    language: Callable[[], Language],
    progress: Callable[[str], None] | None = None,
) -> int:
    """Parse the passages of every document version that has no whole parse file yet, and remove
    the files no record names; returns how many documents were parsed. `language` is called only when
    one needs parsing."""
    format_name = parse_format()
    records = read_all(documents_collection(client), ("metadatas",))
    wanted: dict[str, str] = {}  # document id -> its file name
    missing: list[str] = []
    for doc_id, meta in zip(records.ids, records.metadatas, strict=True):
        digest = str(meta.get("vectors_digest", "") or "")
        if digest:
            wanted[doc_id] = file_name(digest, format_name)
            if not _whole(folder / wanted[doc_id], int(meta.get("passages", 0) or 0)):
                missing.append(doc_id)
    if missing and progress is not None:
        progress(f"parsing the passages of {len(missing)} document(s) for the chat")
    loaded: Language | None = None
    for doc_id in missing:
        got = documents_collection(client).get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"] or not got["documents"] or not got["metadatas"]:
            continue
        document = schema.document_from_record(doc_id, got["documents"][0] or "", dict(got["metadatas"][0]))
        passages = schema.passages_from_record(document, dict(got["metadatas"][0]))
        if passages is None:
            continue
        loaded = loaded or language()
        write_parses(folder / wanted[doc_id], loaded.parse_uncached([p.text for p in passages]))
    _remove_unnamed(folder, set(wanted.values()))
    return len(missing)


def _whole(path: Path, passages: int) -> bool:
    """True when the file holds `passages` records and is as long as its offsets say."""
    try:
        with path.open("rb") as source:
            (count,) = _COUNT.unpack(source.read(_COUNT.size))
            if count != passages:
                return False
            source.seek(_COUNT.size * (1 + count))
            (length,) = _COUNT.unpack(source.read(_COUNT.size))
        return bool(path.stat().st_size == _COUNT.size * (count + 2) + length)
    except (OSError, struct.error):
        return False


def _remove_unnamed(folder: Path, keep: set[str]) -> None:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name not in keep and (path.name.endswith(SUFFIX) or path.name.endswith(TEMPORARY_SUFFIX)):
            with contextlib.suppress(OSError):
                path.unlink()


class StoredParses:
    """The parses kept for one version of the library, by row."""

    def __init__(self, folder: Path, library: Library) -> None:
        format_name = parse_format()
        self._library = library
        self._files = {
            doc_id: folder / file_name(digest, format_name)
            for doc_id, digest in library.digests.items()
            if digest
        }

    def __call__(self, row: int) -> Parsed | None:
        indexed = self._library.passages[row]
        path = self._files.get(indexed.passage.document_id)
        return None if path is None else read_parse(path, indexed.position, indexed.passage.text)
