"""Turn a corpus file into the text that passages and citations refer to.

Each loader returns an `Extracted` (text, encoding, ...) or raises `LoadError` with a reason a
person can act on.
Plain text is decoded, not guessed at silently: the encoding used is reported with the text, and
so are invalid bytes kept as U+FFFD. PDF, Word, web pages and Markdown are read by `ingest/formats/`, which
also return their pages, headings, furniture spans (running headers, page numbers) and their own
metadata. Work and memory stay bounded: a .docx is refused from its ZIP directory before anything
is inflated, and long PDFs report their pages as they go.
Does not clean or split: that is `furniture` and `splitter`'s job, on the exact text returned here.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.formats.layout import Extracted, LoadError
from ingest.formats.plain import read_plain

__all__ = [
    "Extracted",
    "LoadError",
    "LoadOptions",
    "load_document",
    "load_text",
    "decode_plain_text",
    "reads_as_plain_text",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
# The default of `Settings.max_inflated_bytes`: a 20 MB .docx of XML inflates to about 200 MB at
# most; past this python-docx's parse would take gigabytes.
DEFAULT_MAX_INFLATED_BYTES = 100_000_000

# Called as on_page(done, total) while a long document is read (PDF pages).
PageProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class LoadOptions:
    """Limits and progress for one file; the defaults are those of `Settings`."""

    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES
    on_page: PageProgress | None = None


def load_document(path: Path, data: bytes, options: LoadOptions | None = None) -> Extracted:
    """Read `data` (the bytes of `path`): its text with pages, headings, furniture and metadata."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix or '(none)'!r}")
    extracted = loader(data, options or LoadOptions())
    if not extracted.text.strip():
        raise LoadError("no text (empty or whitespace only)")
    return extracted


def load_text(path: Path, data: bytes, options: LoadOptions | None = None) -> tuple[str, str]:
    """Return the text of `data` (the bytes of `path`) and the encoding or format read with."""
    extracted = load_document(path, data, options)
    return extracted.text, extracted.encoding


def size_text(count: int) -> str:
    """A byte count as people read it. Example: 1234567 -> "1.2 MB (1,234,567 bytes)"."""
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB ({count:,} bytes)"
    if count < 1_000_000_000:
        return f"{count / 1_000_000:.1f} MB ({count:,} bytes)"
    return f"{count / 1_000_000_000:.1f} GB ({count:,} bytes)"


def decode_plain_text(data: bytes) -> tuple[str, str]:
    """Decode text files: UTF-8 first (the corpus norm), then UTF-16 by BOM, then Windows-1252.

    A UTF-8 file with a few stray bytes (one Windows-1252 quote pasted in) stays UTF-8: the bad
    bytes become U+FFFD and the encoding says how many and where, instead of the whole file
    turning to mojibake. Only bytes with no valid UTF-8 beyond ASCII are read as Windows-1252.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked_text(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise LoadError("starts with a UTF-16 byte order mark but is not valid UTF-16") from None
    _refuse_binary(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        first_bad = error.start
    text = data.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if valid_non_ascii >= replaced:
        sequences = "sequence" if replaced == 1 else "sequences"
        note = f"{replaced:,} invalid byte {sequences} kept as U+FFFD, the first at byte {first_bad:,}"
        return text, f"utf-8 with {note}"
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise LoadError("not valid UTF-8, UTF-16 or Windows-1252 text") from None


def _checked_text(text: str) -> str:
    _refuse_binary(text.encode("utf-8", "surrogatepass"))
    return text


# Text saved from a terminal (groff or man output, a console log) carries its formatting: colour
# and bold codes ("\x1b[1m") and characters struck over themselves or an underscore for bold or
# underline ("N\bN", "_\bN"). A reader of the file never sees them, and in the text they split
# words for search and quotes; they go before anything else is judged (a page of bold man text
# would otherwise be a third control bytes, and refused as binary).
_TERMINAL_FORMATTING = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|[\x20-\x7e]\x08(?=[\x20-\x7e])")
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in (9, 10, 12, 13))
_SAMPLE_BYTES = 65536


def _refuse_binary(data: bytes) -> None:
    """NUL bytes anywhere, or many control characters, mean the bytes are not prose."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise LoadError(f"binary data, not text (a NUL byte at byte {nul:,})")
    for sample in (data[:_SAMPLE_BYTES], data):  # a binary head, or a file that is binary overall
        controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
        if sample and controls / len(sample) > 0.05:
            raise LoadError("binary data, not text")


def _load_html(data: bytes, options: LoadOptions) -> Extracted:
    from ingest.formats.html import read_html

    raw, encoding = decode_plain_text(data)
    return read_html(raw, encoding)


def _load_markdown(data: bytes, options: LoadOptions) -> Extracted:
    from ingest.formats.markdown import read_markdown

    raw, encoding = decode_plain_text(data)
    return read_markdown(raw, encoding)


def _load_pdf(data: bytes, options: LoadOptions) -> Extracted:
    from ingest.formats.pdf import read_pdf

    return read_pdf(data, options.on_page)


def _load_docx(data: bytes, options: LoadOptions) -> Extracted:
    from ingest.formats.docx import read_docx

    return read_docx(data, options.max_inflated_bytes, size_text)


def _load_plain(data: bytes, options: LoadOptions) -> Extracted:
    text, encoding = decode_plain_text(_TERMINAL_FORMATTING.sub(b"", data))
    return read_plain(text, encoding)


_LOADERS: dict[str, Callable[[bytes, LoadOptions], Extracted]] = {
    ".txt": _load_plain,
    ".md": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}


def reads_as_plain_text(name: str) -> bool:
    """Whether a file called `name` is read as plain text, whose lines may be hard-wrapped (the
    other formats give a paragraph per line)."""
    return _LOADERS.get(Path(name).suffix.lower()) is _load_plain
