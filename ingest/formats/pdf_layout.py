"""A PDF's lines (`pdf.read_pdf` reads them) laid out as paragraphs, headings and furniture.

Lines are joined into paragraphs where the gap from the end of one line to the next is a line's,
not a paragraph's; a paragraph a page break cut is joined again on the page it starts, and so is a
word hyphenated across a line end ("safeguard-" + "ing" -> "safeguarding"), so search finds it.
Headings are the PDF's bookmarks where it has them, else lines set larger than the body text.
Running headers and footers (a line near the top or bottom that recurs on most pages, digits
aside) and page-number lines are kept in the text as furniture spans, so no passage contains them.
A line whose words a wide gap parts (a table's row, a term beside its definition) is a block of
its own, never joined into the paragraph before or after it.

Does not read the file, nor split a row into its cells.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted, TextBuilder
from ingest.furniture import CONTENTS_LINE, ENDS_A_SENTENCE

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
# A page's printed number opening or ending a line at its top or foot: "6", "Chapter 3: Utilities 6".
_EDGE_NUMBER = re.compile(r"^(\d{1,4})$|^(\d{1,4})\s|\s(\d{1,4})$")
_NUMBERED_PAGES = 3  # pages whose edge line must carry their number at one offset
_SAME_SIZE = 0.5  # points within which two lines are set in the same size


@dataclass(frozen=True)
class PdfLine:
    """One line of a page as PDFium gives it."""

    text: str
    baseline: float  # of the line's first character, in points up from the page's foot
    last_baseline: float  # of its last: PDFium may give two lines of a paragraph as one
    size: float
    row: bool = False  # a gap of over 1.5 font sizes parts two of its words: cells, a term and its definition


@dataclass
class _Block:
    """A paragraph's lines, or one heading or furniture line."""

    lines: list[PdfLine]
    heading: int = 0
    furniture: bool = False
    row: bool = False  # a table's row (or a term with its definition): a block of its own


def lay_out(
    pages: list[list[PdfLine]], bookmarks: dict[int, list[tuple[str, int]]], meta: DocumentMeta
) -> Extracted:
    """The document's text, one block a line, from each page's lines and the bookmarks by page."""
    recurring = _recurring_edge_lines(pages) | _page_numbered_edge_lines(pages)
    body_size = _body_size(pages)
    sizes = _heading_sizes(pages, body_size) if not bookmarks else {}
    blocks = [
        _page_blocks(lines, {_key(t): level for t, level in bookmarks.get(index, [])}, recurring, sizes)
        for index, lines in enumerate(pages)
    ]
    _join_across_pages(blocks)
    builder = TextBuilder()
    notes: list[str] = []
    for number, (lines, page_blocks) in enumerate(zip(pages, blocks, strict=True), start=1):
        builder.new_page()
        if not lines:
            notes.append(f"page {number} has no text layer (scanned image?): nothing on it can be cited")
        for block in page_blocks:
            builder.add(_joined(block.lines), heading=block.heading, furniture=block.furniture)
    if not meta.title:
        meta = replace(meta, title=_title_on_first_page(pages, body_size))
    return builder.build("pdf", meta, notes)


def _title_on_first_page(pages: list[list[PdfLine]], body: float) -> str:
    """For a PDF whose info names no title: the first page's largest text, when it is set larger
    than the body (its lines joined), as a title page or a paper's head has it. It may also be
    the running header of every page, left out of the passages, which is why it is read here."""
    lines = next((lines for lines in pages if lines), [])
    largest = max((line.size for line in lines), default=0.0)
    if largest < body + _HEADING_SIZE_STEP:
        return ""
    title: list[str] = []
    for line in lines:
        if abs(line.size - largest) <= _SAME_SIZE:
            title.append(line.text.strip())
        elif title:
            break
    joined = " ".join(" ".join(title).split())
    return joined if len(joined.split()) <= _MAX_HEADING_WORDS else ""


def _page_blocks(
    lines: list[PdfLine], titles: dict[str, int], recurring: set[str], sizes: dict[float, int]
) -> list[_Block]:
    """One page's lines grouped into paragraphs, headings and furniture, in reading order."""
    step = _line_step(lines)
    blocks: list[_Block] = []
    paragraph: list[PdfLine] = []
    for position, line in enumerate(lines):
        edge = position < _EDGE_LINES or position >= len(lines) - _EDGE_LINES
        bookmarked = titles.get(_key(line.text), 0)  # "2. Findings" recurs digits aside, yet is no header
        is_furniture = not bookmarked and bool(
            CONTENTS_LINE.search(line.text)
            or (edge and (_PAGE_NUMBER.match(line.text) or _normal(line.text) in recurring))
        )
        level = bookmarked or (sizes.get(line.size, 0) if _short(line.text) else 0)
        row = line.row and not (is_furniture or level)  # cells are never joined into a paragraph
        if is_furniture or level or row or (paragraph and new_paragraph(paragraph[-1], line, step)):
            if paragraph:
                blocks.append(_Block(paragraph))
            paragraph = []
        if is_furniture or level or row:
            blocks.append(_Block([line], heading=level, furniture=is_furniture, row=row))
        else:
            paragraph.append(line)
    if paragraph:
        blocks.append(_Block(paragraph))
    return blocks


def _join_across_pages(pages: list[list[_Block]]) -> None:
    """A paragraph a page break cut in two is one paragraph again, under the page it starts on.

    The page's last paragraph carries on when it stops short of a sentence end and the next page's
    first block is a paragraph of the same size opening lower-case. The running footer and header
    between the two halves stay in the text, after the joined paragraph.
    """
    open_paragraph: _Block | None = None
    for blocks in pages:
        first = next((i for i, block in enumerate(blocks) if not block.furniture), None)
        joined = (
            open_paragraph is not None and first is not None and _continues(open_paragraph, blocks[first])
        )
        if joined and open_paragraph is not None and first is not None:
            open_paragraph.lines.extend(blocks.pop(first).lines)
        body = [block for block in blocks if not block.furniture]
        if body:
            open_paragraph = None if body[-1].heading or body[-1].row else body[-1]
        elif not joined:
            open_paragraph = None


def _continues(paragraph: _Block, block: _Block) -> bool:
    last, first = paragraph.lines[-1], block.lines[0]
    return (
        not block.heading
        and not block.row
        and abs(last.size - first.size) <= _SAME_SIZE
        and not ENDS_A_SENTENCE.search(last.text)
        and first.text[:1].isalpha()
        and first.text[:1].islower()
    )


def _joined(lines: list[PdfLine]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        if re.search(r"[^\W\d_]-$", text) and line.text[:1].islower():
            text = text[:-1] + line.text  # a word hyphenated at the line end
        else:
            text = f"{text} {line.text}"
    return text


def new_paragraph(previous: PdfLine, line: PdfLine, step: float) -> bool:
    if abs(previous.size - line.size) > _SAME_SIZE:
        return True
    drop = previous.last_baseline - line.baseline
    return drop > step * _PARAGRAPH_GAP  # a line higher up (drop < 0) is the next column of a row


def _line_step(lines: list[PdfLine]) -> float:
    """The page's line spacing: its smallest drop from one line to the next of at least 0.9 of the
    font size. A page of one-line paragraphs then has its paragraph gap as step, and none merge."""
    drops = [
        a.last_baseline - b.baseline
        for a, b in zip(lines, lines[1:], strict=False)
        if a.last_baseline - b.baseline >= 0.9 * max(a.size, 1.0)
    ]
    return min(drops) if drops else 0.0


def _recurring_edge_lines(pages: list[list[PdfLine]]) -> set[str]:
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


def _page_numbered_edge_lines(pages: list[list[PdfLine]]) -> set[str]:
    """Running headers and footers that carry the page's printed number and change with the
    chapter ("Chapter 2: Utilities 6"), so that none recurs on most pages: a page's first or last
    line opening or ending with a number that runs with the page's place in the file, at the
    offset most of them share, on at least _NUMBERED_PAGES pages. Digits aside, as `recurring`."""
    found: list[tuple[int, str]] = []  # (the page's place less its number, the line digits aside)
    for index, lines in enumerate(pages):
        for line in lines[:1] + lines[-1:]:
            number = _EDGE_NUMBER.search(line.text.strip())
            if number and _short(line.text):
                found.append((index - int(next(g for g in number.groups() if g)), _normal(line.text)))
    offsets = Counter(offset for offset, _ in found).most_common(1)
    if not offsets or offsets[0][1] < _NUMBERED_PAGES:
        return set()
    return {text for offset, text in found if offset == offsets[0][0]}


def _body_size(pages: list[list[PdfLine]]) -> float:
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_sizes(pages: list[list[PdfLine]], body: float) -> dict[float, int]:
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
