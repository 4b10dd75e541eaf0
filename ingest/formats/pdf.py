"""Read a PDF page by page with PDFium (pypdfium2, Apache-2.0/BSD): paragraphs, headings, furniture.

Each page's lines come with their position and font size. Lines are joined into paragraphs
where the gap to the next line is a line's, not a paragraph's; a word hyphenated across a line
end is joined again ("safeguard-" + "ing" -> "safeguarding"), so search finds it. Headings are the
PDF's bookmarks where it has them, else lines set larger than the body text. Running headers and
footers (a line near the top or bottom that recurs on most pages, digits aside) and page-number
lines are kept in the text as furniture spans, so no passage contains them. A page with no
text layer is reported in the notes, not silently empty.

Does not OCR scanned pages, nor rebuild table cells a PDF does not mark.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ingest.dates import pdf_date
from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted, LoadError, TextBuilder

# Line kinds: a running header/footer recurs on at least this share of the pages with text.
_RECURRING_SHARE = 0.5
_EDGE_LINES = 2  # lines at each end of a page that may be running headers or footers
_PARAGRAPH_GAP = 1.35  # a drop this many times the usual line step starts a new paragraph
_HEADING_SIZE_STEP = 1.5  # points above the body text that make a short line a heading
_MAX_HEADING_WORDS = 15
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?$|^[ivxlc]{1,6}$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?]$")
_CONTENTS_LINE = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|…\s*\d{1,4}$")  # "2. Findings ........ 12"
# PDFium marks a hyphen it found at a line end (and joined the lines at) with U+FFFE or U+0002.
_SOFT_HYPHENS = str.maketrans("", "", "\ufffe\x02\u00ad")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class _Line:
    text: str
    bottom: float
    top: float
    size: float


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
    return _lay_out(pages, bookmarks, meta)


def _page_lines(page: Any) -> list[_Line]:
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines: list[_Line] = []
        cursor = 0
        for piece in [*_LINE_BREAK.split(text)]:
            if piece.strip() and cursor < textpage.count_chars():
                first = cursor + len(piece) - len(piece.lstrip())
                _, bottom, _, top = textpage.get_charbox(first)
                size = raw.FPDFText_GetFontSize(textpage, first)
                lines.append(_Line(piece.translate(_SOFT_HYPHENS).strip(), bottom, top, round(size, 1)))
            cursor += len(piece) + 2  # PDFium ends its lines with "\r\n"
        return lines
    finally:
        textpage.close()
        page.close()


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


def _lay_out(
    pages: list[list[_Line]], bookmarks: dict[int, list[tuple[str, int]]], meta: DocumentMeta
) -> Extracted:
    recurring = _recurring_edge_lines(pages)
    body_size = _body_size(pages)
    sizes = _heading_sizes(pages, body_size) if not bookmarks else {}
    builder = TextBuilder()
    notes: list[str] = []
    for number, lines in enumerate(pages, start=1):
        builder.new_page()
        if not lines:
            notes.append(f"page {number} has no text layer (scanned image?): nothing on it can be cited")
            continue
        titles = {_key(title): level for title, level in bookmarks.get(number - 1, [])}
        step = _line_step(lines)
        paragraph: list[_Line] = []
        for position, line in enumerate(lines):
            edge = position < _EDGE_LINES or position >= len(lines) - _EDGE_LINES
            bookmarked = titles.get(_key(line.text), 0)  # "2. Findings" recurs digits aside, yet is no header
            is_furniture = not bookmarked and (
                _CONTENTS_LINE.search(line.text)
                or (edge and (_PAGE_NUMBER.match(line.text) or _normal(line.text) in recurring))
            )
            level = bookmarked or (sizes.get(line.size, 0) if _short(line.text) else 0)
            if is_furniture or level:
                _flush(builder, paragraph)
                builder.add(line.text, heading=level, furniture=bool(is_furniture))
                continue
            if paragraph and _new_paragraph(paragraph[-1], line, step):
                _flush(builder, paragraph)
            paragraph.append(line)
        _flush(builder, paragraph)
    return builder.build("pdf", meta, notes)


def _flush(builder: TextBuilder, paragraph: list[_Line]) -> None:
    if not paragraph:
        return
    text = paragraph[0].text
    for line in paragraph[1:]:
        if re.search(r"[^\W\d_]-$", text) and line.text[:1].islower():
            text = text[:-1] + line.text  # a word hyphenated at the line end
        else:
            text = f"{text} {line.text}"
    builder.add(text)
    paragraph.clear()


def _new_paragraph(previous: _Line, line: _Line, step: float) -> bool:
    if abs(previous.size - line.size) > 0.5:
        return True
    drop = previous.bottom - line.bottom
    return drop > step * _PARAGRAPH_GAP  # a line higher up (drop < 0) is the next column of a row


def _line_step(lines: list[_Line]) -> float:
    """The page's line spacing: its smallest drop from one line to the next of at least 0.9 of the
    font size. A page of one-line paragraphs then has its paragraph gap as step, and none merge."""
    drops = [
        a.bottom - b.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if a.bottom - b.bottom >= 0.9 * max(a.size, 1.0)
    ]
    return min(drops) if drops else 0.0


def _recurring_edge_lines(pages: list[list[_Line]]) -> set[str]:
    """Lines near a page's top or bottom that recur, digits aside, on most pages with text."""
    with_text = [lines for lines in pages if lines]
    if len(with_text) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in with_text:
        edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        counts.update({_normal(line.text) for line in edges if not _SENTENCE_END.search(line.text)})
    needed = max(2, _RECURRING_SHARE * len(with_text))
    return {text for text, count in counts.items() if count >= needed}


def _body_size(pages: list[list[_Line]]) -> float:
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_sizes(pages: list[list[_Line]], body: float) -> dict[float, int]:
    """Font sizes larger than the body's, largest first: level 1, 2, ... (no bookmarks to go by)."""
    larger = sorted(
        {line.size for lines in pages for line in lines if line.size >= body + _HEADING_SIZE_STEP}
    )
    return {size: level for level, size in enumerate(reversed(larger), start=1)}


def _short(text: str) -> bool:
    return len(text.split()) <= _MAX_HEADING_WORDS and not _SENTENCE_END.search(text)


def _normal(text: str) -> str:
    """Example: "Page 12 of 40" -> "page # of #"."""
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _key(text: str) -> str:
    return " ".join(text.lower().split())
