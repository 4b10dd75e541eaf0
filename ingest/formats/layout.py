"""The text a structured file becomes, and the spans that say what each part of it is.

A PDF, a Word file or a web page is read into blocks (paragraphs, headings, table rows, running
headers); `TextBuilder` lays them out one block per line, blank lines between, and records where
each page starts, which lines are headings (with their level) and which are furniture (running
headers, footers, page numbers). The text is what the index stores and citations slice, so
furniture and headings are kept in it and left out of passages by span, never rewritten.

Does not decide what a block is: each format's reader does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ingest.documents import DocumentMeta


class LoadError(Exception):
    """A file that cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class Heading:
    """A heading line, `text[start:end]`, at `level` (1 is the top; deeper numbers nest)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class Extracted:
    """A file read as text, with its pages, headings, furniture, own metadata and notes."""

    text: str
    encoding: str
    pages: tuple[int, ...] = ()  # where page n starts is pages[n - 1]; () when not paged
    headings: tuple[Heading, ...] = ()
    furniture: tuple[tuple[int, int], ...] = ()  # spans left out of passages
    # Spans the format knows are content (all of a Markdown file, which has no navigation or
    # banners): kept even when short or worded like page chrome ("- red", "Log in"), see `furniture`.
    kept: tuple[tuple[int, int], ...] = ()
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    notes: tuple[str, ...] = ()  # things a person should know, e.g. a page with no text
    wrapped: bool = False  # plain text, whose lines may be hard-wrapped (`unwrap`)

    def all_content(self) -> Extracted:
        """The same reading with every line kept as content (`kept`): for a format that has no page
        chrome to leave out, or whose chrome was never read."""
        return replace(self, kept=((0, len(self.text)),))


class TextBuilder:
    """Appends blocks as single lines and remembers what each one is.

    Example: add("1. Summary", heading=1); add("It is safe.") -> "1. Summary\\n\\nIt is safe."
    with a heading at (0, 10).
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.pages: list[int] = []
        self.headings: list[Heading] = []
        self.furniture: list[tuple[int, int]] = []

    def add(self, text: str, *, heading: int = 0, furniture: bool = False) -> None:
        """One block; its whitespace runs become single spaces so it stays on one line."""
        line = " ".join(text.split())
        if not line:
            return
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        start = self._length
        self._parts.append(line)
        self._length += len(line)
        if furniture:
            self.furniture.append((start, self._length))
        elif heading:
            self.headings.append(Heading(start, self._length, heading))

    def new_page(self) -> None:
        """The next block starts a page (an empty page still counts: it starts where the next does)."""
        self.pages.append(self._length + (2 if self._parts else 0))

    def build(self, encoding: str, meta: DocumentMeta, notes: list[str] | None = None) -> Extracted:
        text = "".join(self._parts)
        pages = tuple(min(start, len(text)) for start in self.pages)
        return Extracted(
            text,
            encoding,
            pages,
            tuple(self.headings),
            tuple(self.furniture),
            meta=meta,
            notes=tuple(notes or ()),
        )
