"""Read a Markdown file as its reader sees it: headings, paragraphs, list items, code and tables.

Markdown source is usually hard-wrapped, and full of markup a reader never sees: `## ` before a
heading, `**` around a phrase, a link's address after its words, reference definitions at the
end. Read line by line, a paragraph is cut at every wrap and its passages carry the markup into
search and into the quotes. The file is rendered with markdown-it-py (MIT; CommonMark with
tables) and laid out by the web page reader (`html`), so a paragraph or a list item is one
block of plain words whatever its wrapping, a heading is a heading (the context of the passages
under it, never a passage), and a table row reads "cell | cell". Raw HTML in the file is read
as a web page's would be, but no line of it is taken for page chrome: a list item of one word
or a line saying "log in" is what the file says. The title is the first heading of the top level
the file uses, when that is a "#" heading or the file's first line.

YAML front matter (`---` lines around `key: value` fields, as static site generators write) is
not content: its title, date and author become the document's metadata.

The text citations quote is this rendered text, as it is for web pages, PDFs and Word files.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.dates import iso_prefix
from ingest.documents import DocumentMeta
from ingest.formats.html import read_html
from ingest.formats.layout import Extracted

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(.*)$")


def read_markdown(raw: str, encoding: str) -> Extracted:
    """The rendered blocks of the Markdown `raw`, with heading levels (`#` is level 1)."""
    from markdown_it import MarkdownIt

    fields, body = front_matter(raw)
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(body)
    # <main>: everything rendered is content; no navigation to find and drop.
    read = read_html(f"<html><body><main>{rendered}</main></body></html>", encoding, kind="markdown")
    # A Markdown file has no navigation, banners or share buttons: every line it renders is
    # content, however short or worded ("- red", "Users log in with their company account").
    read = replace(
        read.all_content(),
        meta=DocumentMeta(
            title=fields.get("title", ""),
            publisher=fields.get("author", "") or fields.get("publisher", ""),
            date=iso_prefix(fields.get("date", "")),
        ),
    )
    if read.meta.title or not read.headings:
        return read
    # Markdown has no title tag: its title is its first heading of the top level it uses, when
    # that is a "#" heading or opens the file. A README that opens with prose and then has only
    # "##" sections is not titled by its first section ("Benchmarks"): its file name stands.
    top = min(read.headings, key=lambda heading: (heading.level, heading.start))
    if top.level > 1 and top.start > 0:
        return read
    return replace(read, meta=replace(read.meta, title=read.text[top.start : top.end]))


def front_matter(raw: str) -> tuple[dict[str, str], str]:
    """The front matter's top-level fields (lower-cased keys, unquoted values) and the text after
    it; ({}, raw) when the file opens with none. A file opening with a rule ("---") and prose has
    none: every line between the rules must be a field, a continuation or a list item."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    lines = match.group(1).splitlines()
    if not all(_FIELD.match(line) or not line.strip() or line[:1] in (" ", "\t", "-") for line in lines):
        return {}, raw
    fields = {}
    for line in lines:
        field = _FIELD.match(line)
        if field:
            fields[field.group(1).lower()] = field.group(2).strip().strip("\"'")
    return fields, raw[match.end() :]
