"""Turn a corpus file into the text that passages and citations refer to.

Each loader returns `(text, encoding)` or raises `LoadError` with a reason a person can act on.
Plain text is decoded, not guessed at silently: the encoding used is reported with the text.
Does not clean or split: that is `furniture` and `splitter`'s job, on the exact text returned here.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


class LoadError(Exception):
    """A file that cannot be turned into text; the message says why."""


def load_text(path: Path, data: bytes) -> tuple[str, str]:
    """Return the text of `data` (the bytes of `path`) and the encoding or format read with."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix or '(none)'!r}")
    text, encoding = loader(data)
    if not text.strip():
        raise LoadError("no text (empty or whitespace only)")
    return text, encoding


def decode_plain_text(data: bytes) -> tuple[str, str]:
    """Decode text files: UTF-8 first (the corpus norm), then UTF-16 by BOM, then Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked_text(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise LoadError("starts with a UTF-16 byte order mark but is not valid UTF-16") from None
    try:
        return _checked_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_binary(data):
        raise LoadError("binary data, not text")
    try:
        return _checked_text(data.decode("cp1252")), "windows-1252"
    except UnicodeDecodeError:
        raise LoadError("not valid UTF-8, UTF-16 or Windows-1252 text") from None


def _checked_text(text: str) -> str:
    if _looks_binary(text.encode("utf-8", "surrogatepass")):
        raise LoadError("binary data, not text")
    return text


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters mean the bytes are not prose."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return bool(sample) and controls / len(sample) > 0.05


class _TextExtractor(HTMLParser):
    """Keeps the visible text of an HTML page, one block element per paragraph."""

    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"}
    _HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(" ".join(data.split(" ")))


def _load_html(data: bytes) -> tuple[str, str]:
    raw, encoding = decode_plain_text(data)
    extractor = _TextExtractor()
    extractor.feed(raw)
    extractor.close()
    paragraphs = [" ".join(p.split()) for p in "".join(extractor.parts).split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p), f"html ({encoding})"


def _load_pdf(data: bytes) -> tuple[str, str]:
    import io
    import logging

    from pypdf import PdfReader

    # pypdf logs every repair it attempts; the skip reason below is the one line a person needs.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        # An owner-password-only PDF opens with the empty user password; anything else is locked.
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except Exception as error:  # a damaged file can fail anywhere in the parser: report, never crash
        raise LoadError(f"corrupt PDF ({type(error).__name__})") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise LoadError("PDF has no text layer (scanned image?)")
    return text, "pdf"


def _load_docx(data: bytes) -> tuple[str, str]:
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [p.text.strip() for p in document.paragraphs]
    except zipfile.BadZipFile:
        raise LoadError("corrupt DOCX (not a ZIP package)") from None
    except Exception as error:  # python-docx raises several kinds on damaged packages
        raise LoadError(f"corrupt DOCX ({type(error).__name__})") from None
    return "\n\n".join(p for p in paragraphs if p), "docx"


_LOADERS: dict[str, Callable[[bytes], tuple[str, str]]] = {
    ".txt": decode_plain_text,
    ".md": decode_plain_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
