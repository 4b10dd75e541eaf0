"""Read a Markdown file as its reader sees it: headings, paragraphs, list items, code and tables.

Markdown source is usually hard-wrapped, and full of markup a reader never sees: `## ` before a
heading, `**` around a phrase, a link's address after its words, reference definitions at the
end. Read line by line, a paragraph is cut at every wrap and its passages carry the markup into
search and into the quotes. The file is rendered with markdown-it-py (MIT; CommonMark with
tables) and laid out by the web page reader (`html`), so a paragraph or a list item is one
block of plain words whatever its wrapping, a heading is a heading (the context of the passages
under it, never a passage), and a table row reads "cell | cell". Raw HTML in the file is read
as a web page's would be. The title is the first heading of the top level the file uses.

The text citations quote is this rendered text, as it is for web pages, PDFs and Word files.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.formats.html import read_html
from ingest.formats.layout import Extracted


def read_markdown(raw: str, encoding: str) -> Extracted:
    """The rendered blocks of the Markdown `raw`, with heading levels (`#` is level 1)."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(raw)
    # <main>: everything rendered is content; no navigation to find and drop.
    read = read_html(f"<html><body><main>{rendered}</main></body></html>", encoding, kind="markdown")
    if read.meta.title or not read.headings:
        return read
    # Markdown has no title tag: its title is its first heading of the top level it uses.
    top = min(read.headings, key=lambda heading: (heading.level, heading.start))
    return replace(read, meta=replace(read.meta, title=read.text[top.start : top.end]))
