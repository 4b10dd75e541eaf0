"""Read a PDF page by page with PDFium (pypdfium2, Apache-2.0/BSD): each page's lines with their
baselines and font size (the median of a few of their characters', so a line opening with a word
of code set smaller is still body text), its bookmarks and its info dictionary. `pdf_layout`
makes paragraphs, headings and furniture of them. A page with no text layer is reported in the
notes, not silently empty; an encrypted or damaged file is a `LoadError`.

Does not OCR scanned pages.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

from ingest.dates import pdf_date
from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted, LoadError
from ingest.formats.pdf_layout import PdfLine, lay_out

_SIZE_SAMPLES = 5  # characters sampled across a line for its font size (the median is taken)
# PDFium marks a hyphen it found at a line end (and joined the lines at) with U+FFFE or U+0002.
_SOFT_HYPHENS = str.maketrans("", "", "\ufffe\x02\u00ad")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLANKS = re.compile(r"\s+")
# A gap between two words of a line wider than this many font sizes parts table cells (a normal
# word space is about a quarter of one; a justified line's stays under one).
_CELL_GAP = 1.5


def read_pdf(data: bytes, on_page: Any = None) -> Extracted:
    """The PDF's text, one paragraph a line, with page starts, headings and furniture spans."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise LoadError("encrypted PDF (needs a password)") from None
        raise LoadError(f"corrupt PDF ({error})") from None
    try:
        pages = []
        total = len(pdf)
        for index in range(total):
            pages.append(_page_lines(pdf[index]))
            if on_page is not None:
                on_page(index + 1, total)
        bookmarks = _bookmarks(pdf)
        meta = _meta(pdf.get_metadata_dict())
    except LoadError:
        raise
    except Exception as error:  # a damaged file can fail anywhere in the parser: report, never crash
        raise LoadError(f"corrupt PDF ({type(error).__name__})") from None
    finally:
        pdf.close()
    if not any(pages):
        raise LoadError("PDF has no text layer (scanned image?)")
    return lay_out(pages, bookmarks, meta)


def _page_lines(page: Any) -> list[PdfLine]:
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines: list[PdfLine] = []
        cursor = 0
        for piece in [*_LINE_BREAK.split(text)]:
            if piece.strip() and cursor < textpage.count_chars():
                first = cursor + len(piece) - len(piece.lstrip())
                last = min(cursor + len(piece.rstrip()), textpage.count_chars()) - 1
                baseline, last_baseline = (_baseline(textpage, i) for i in (first, last))
                sizes = sorted(raw.FPDFText_GetFontSize(textpage, i) for i in _samples(first, last))
                size = sizes[len(sizes) // 2]
                row = _has_wide_gap(textpage, piece, cursor, size)
                text = piece.translate(_SOFT_HYPHENS).strip()
                lines.append(PdfLine(text, baseline, last_baseline, round(size, 1), row))
            cursor += len(piece) + 2  # PDFium ends its lines with "\r\n"
        return lines
    finally:
        textpage.close()
        page.close()


def _has_wide_gap(textpage: Any, piece: str, start: int, size: float) -> bool:
    """Whether a gap between two words of the line (`piece`, its first character at `start` on the
    page) is wider than `_CELL_GAP` font sizes: table cells, or a term and its definition, set on
    one line. Only the edges of its blanks are measured, two characters a word."""
    import pypdfium2.raw as raw

    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    boxes = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    for blank in _BLANKS.finditer(piece.rstrip()):
        if blank.start() == 0:
            continue
        raw.FPDFText_GetCharBox(textpage, start + blank.start() - 1, *boxes)
        before = right.value
        raw.FPDFText_GetCharBox(textpage, start + blank.end(), *boxes)
        if left.value - before > _CELL_GAP * size:
            return True
    return False


def _baseline(textpage: Any, index: int) -> float:
    """Where the character sits, not its glyph's box: "p" or "(" would sit lower by its descender."""
    import pypdfium2.raw as raw

    x, y = ctypes.c_double(), ctypes.c_double()
    raw.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


def _samples(first: int, last: int) -> list[int]:
    """Characters whose font size stands for the line's: a line that opens with a word of code or
    a footnote mark set smaller is still body text, and stays in its paragraph."""
    if last <= first:
        return [first]
    return sorted({first + (last - first) * k // (_SIZE_SAMPLES - 1) for k in range(_SIZE_SAMPLES)})


def _bookmarks(pdf: Any) -> dict[int, list[tuple[str, int]]]:
    """Bookmark titles by page index, with their level (1 is the top)."""
    found: dict[int, list[tuple[str, int]]] = {}
    for bookmark in pdf.get_toc(max_depth=6):
        dest = bookmark.get_dest()
        title = " ".join((bookmark.get_title() or "").split())
        if dest is not None and title:
            found.setdefault(dest.get_index(), []).append((title, bookmark.level + 1))
    return found


def _meta(info: dict[str, str]) -> DocumentMeta:
    """Title, date and publisher from the PDF's info dictionary (the author stands for the publisher)."""
    return DocumentMeta(
        title=" ".join(info.get("Title", "").split()),
        publisher=" ".join(info.get("Author", "").split()),
        date=pdf_date(info.get("CreationDate", "")),
    )
