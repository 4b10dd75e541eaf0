"""Read a Word file (.docx) with python-docx: headings, paragraphs, table rows and footnotes, in order.

Headings keep their level (Title and Heading 1 are level 1, Heading 2 level 2, ...). A table is
read row by row, its cells joined with " | ", so a figure in a table is a line that says what
it counts: "Children looked after | 2024 | 230". Footnotes (python-docx has no API for them, so
word/footnotes.xml is read directly) follow the body under a "Footnotes" heading. Title, date and
publisher come from the file's core and app properties.

A paragraph's text is what Word shows: tracked insertions and content controls (which python-docx
leaves out of `text`, and whose block-level form it skips) are read, tracked deletions are not.
The package is refused from its ZIP directory before anything is inflated when it would inflate
past the limit. Does not read running headers and footers (page furniture) or text boxes, so no
line it reads is taken for page chrome: a one-word list item is a passage.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted, LoadError, TextBuilder

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_MAX_STYLE_DEPTH = 10  # styles inherit; a loop in a damaged file must not hang the read
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_WRAPPERS = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"})
_SPACES = frozenset({f"{_W}tab", f"{_W}br", f"{_W}cr"})
# Not shown as the paragraph's own words: tracked deletions and moves away, text boxes (their
# own frames), and the fallback copy of content given twice for old readers.
_HIDDEN = frozenset(
    {f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", f"{_MC}Fallback", f"{_W}rPr", f"{_W}pPr"}
)


def read_docx(data: bytes, max_inflated_bytes: int, size_text: Any) -> Extracted:
    """The document's blocks in reading order, with headings and its own metadata."""
    import docx

    _refuse_zip_bomb(data, max_inflated_bytes, size_text)
    try:
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        builder = TextBuilder()
        body = document.element.body
        for element in _blocks(body):
            if element.tag == f"{_W}tbl":
                for row in Table(element, document._body).rows:
                    builder.add(_row_text(row))
            else:
                paragraph = Paragraph(element, document._body)
                builder.add(_shown_text(element), heading=_heading_level(paragraph))
        footnotes = _footnotes(data)
        if footnotes:
            builder.add("Footnotes", heading=1)
            for number, text in footnotes:
                builder.add(f"Footnote {number}: {text}")
        meta = _meta(document, data)
    except zipfile.BadZipFile:
        raise LoadError("corrupt DOCX (not a ZIP package)") from None
    except LoadError:
        raise
    except Exception as error:  # python-docx raises several kinds on damaged packages
        raise LoadError(f"corrupt DOCX ({type(error).__name__})") from None
    # The body has no running headers, footers or navigation (those are never read): every line
    # is what the author wrote, however short ("Yes", "Log in to the portal").
    return builder.build("docx", meta).all_content()


def _row_text(row: Any) -> str:
    """Cells joined by " | "; a merged cell (the same cell under several columns) counted once."""
    cells: list[str] = []
    seen: list[Any] = []
    for cell in row.cells:
        if any(cell._tc is other for other in seen):
            continue
        seen.append(cell._tc)
        cells.append(_folded_text(_blocks(cell._tc, _W + "p")))
    return " | ".join(text for text in cells if text)


def _blocks(parent: Any, *kinds: str) -> Iterator[Any]:
    """The paragraphs and tables under `parent` in reading order, including those a content
    control (`w:sdt`, common in templates and forms) or custom XML wraps: python-docx skips those."""
    wanted = kinds or (f"{_W}p", f"{_W}tbl")
    for child in parent:
        if child.tag in wanted:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _blocks(child, *wanted)


def _shown_text(paragraph: Any) -> str:
    """The words a reader sees in a paragraph: its runs, inserted text (tracked changes) and
    content controls included, which python-docx's `text` leaves out; deleted and moved-away
    text, and text boxes anchored in it, left out."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in _SPACES:
                parts.append(" ")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag not in _HIDDEN:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _folded_text(paragraphs: Iterable[Any]) -> str:
    """The shown text of several paragraphs (a table cell's, a footnote's) on one line."""
    return " ".join(" ".join(_shown_text(p) for p in paragraphs).split())


def _heading_level(paragraph: Any) -> int:
    style = paragraph.style
    for _ in range(_MAX_STYLE_DEPTH):
        if style is None:
            return 0
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return max(1, int(match.group(1)))
        style = style.base_style
    return 0


def _footnotes(data: bytes) -> list[tuple[str, str]]:
    """(number, text) of each real footnote; separators (ids below 1) are not footnotes."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if "word/footnotes.xml" not in package.namelist():
            return []
        raw = package.read("word/footnotes.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(raw, parser)
    notes: list[tuple[str, str]] = []
    for note in root.iter(f"{_W}footnote"):
        number = note.get(f"{_W}id", "")
        if not number.isdigit() or int(number) < 1:
            continue
        text = _folded_text(note.iter(f"{_W}p"))
        if text:
            notes.append((number, text))
    return notes


def _meta(document: Any, data: bytes) -> DocumentMeta:
    """Core properties' title and creation date; the publisher is app.xml's Company, else the author."""
    props = document.core_properties
    created = props.created
    return DocumentMeta(
        title=" ".join((props.title or "").split()),
        publisher=_company(data) or " ".join((props.author or "").split()),
        date=created.date().isoformat() if created else "",
    )


def _company(data: bytes) -> str:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if "docProps/app.xml" not in package.namelist():
            return ""
        raw = package.read("docProps/app.xml")
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    for element in root.iter("{*}Company"):
        return " ".join((element.text or "").split())
    return ""


def _refuse_zip_bomb(data: bytes, limit: int, size_text: Any) -> None:
    """Refuse a package whose entries would inflate past `limit`, reading only its ZIP directory.

    The sizes are the central directory's `file_size` fields, read before anything is inflated.
    A forged (too small) size does not get past this either: zipfile, which python-docx reads
    through, never inflates an entry beyond its recorded size (the CRC check then fails).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except zipfile.BadZipFile:
        raise LoadError("corrupt DOCX (not a ZIP package)") from None
    except Exception as error:  # a damaged directory can fail in several ways: report, never crash
        raise LoadError(f"corrupt DOCX ({type(error).__name__})") from None
    total = sum(entry.file_size for entry in entries)
    if total > limit:
        largest = max(entries, key=lambda entry: entry.file_size)
        raise LoadError(
            f"DOCX would inflate to {size_text(total)}, over the {size_text(limit)} limit "
            f"(ASSISTANT_MAX_INFLATED_BYTES), {largest.filename[:100]} alone to "
            f"{size_text(largest.file_size)}: not opened (a decompression bomb?)"
        )
