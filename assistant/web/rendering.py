"""HTML for the chat's side panels: the sources of an answer and the document viewer.

Pure functions over `Answer` / `Document` values, so they are tested without a browser.
Every piece of document text is html-escaped here; nothing from the corpus is ever
rendered as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache

from assistant.core.answers import Answer, Citation
from ingest.documents import Document
from ingest.loaders import reads_as_plain_text
from ingest.unwrap import wrap_width

CONTEXT_CHARS = 300


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def chat_text(text: str) -> str:
    """Text for the chat bubbles and the feedback line, shown exactly as written.

    Those show their value as HTML with Markdown and LaTeX off (see `app.build_app`), so `&`,
    `<` and `>` are escaped and line breaks become <br>; nothing else is touched, so `don't`,
    `*`, `$$x$$` or `![x](url)` reach the page as those characters, never as an entity, a
    Markdown list or an image. Example: "don't <b>\\n18." -> "don't &lt;b&gt;<br>18."
    """
    lines = html.escape(text, quote=False).replace("\r\n", "\n").replace("\r", "\n")
    return lines.replace("\n", "<br>")


def context_span(
    text: str, start: int, end: int, width: int = CONTEXT_CHARS, plain_text: bool = True
) -> tuple[int, int]:
    """Up to `width` characters either side of [start, end), cut at the nearest paragraph end: a
    line break, or in hard-wrapped plain text (where a line break is mostly a wrap) a blank line.
    `plain_text`: the document was read as plain text (web pages, PDFs and Word files are read a
    paragraph per line, so they are never taken for wrapped)."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    ends = _BLANK_LINE if plain_text and _hard_wrapped(text) else _LINE_BREAK
    before = [m.end() for m in ends.finditer(text, lo, start)]
    if before:
        lo = before[-1]
    after = ends.search(text, end, hi)
    if after is not None:
        hi = after.start()
    return lo, hi


_LINE_BREAK = re.compile(r"\n")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


@lru_cache(maxsize=16)
def _hard_wrapped(text: str) -> bool:
    """Whether `text` is plain text wrapped at a fixed width (`ingest.unwrap`); a few documents are
    shown over and over, so the answer is kept."""
    return wrap_width(text) is not None


def quote_in_context(
    text: str, start: int, end: int, width: int = CONTEXT_CHARS, plain_text: bool = True
) -> str:
    """The quote inside its surrounding paragraph, escaped, with the quote in <mark>."""
    lo, hi = context_span(text, start, end, width, plain_text)
    lead = "…" if lo > 0 and text[lo - 1] != "\n" else ""
    tail = "…" if hi < len(text) and text[hi] != "\n" else ""
    return (
        f"{lead}{escape(text[lo:start].lstrip())}<mark>{escape(text[start:end])}</mark>"
        f"{escape(text[end:hi].rstrip())}{tail}"
    )


def describe(document: Document | None, source: str) -> str:
    """ "Title — publisher, date" for a document, escaped."""
    if document is None:
        return escape(source)
    meta = document.meta
    details = ", ".join(part for part in (meta.publisher, meta.date, meta.kind) if part)
    label = f"<strong>{escape(document.title)}</strong>"
    return f"{label} — {escape(details)}" if details else label


MARK_LABELS = {"checked": "✓ Checked", "wrong": "✗ Wrong", "": "Not checked"}


def sources_html(
    answer: Answer | None,
    documents: Mapping[str, Document],
    marks: Mapping[int, str] | None = None,
    empty: str = "Sources of the answer will appear here.",
    turn: int | None = None,
) -> str:
    """The Sources panel: each citation with its metadata, its sign-off mark (checked, wrong,
    not checked) and its quote in context. A refusal's passages are headed as not answering.
    `turn`, the answer's place in the conversation, is kept on the panel (see `shown_turn`)."""
    if answer is None:
        return f'<div class="sources-empty">{escape(empty)}</div>'
    if not answer.citations:
        return '<div class="sources-empty">No sources for this answer.</div>'
    heading = "Sources" if answer.answered else "Nearest passages — they do not answer the question"
    items = [f'<h3 class="sources-heading">{heading}</h3>']
    for c in answer.citations:
        items.append(_citation_html(c, documents.get(c.source), (marks or {}).get(c.n, "")))
    kept = "" if turn is None else f' data-turn="{int(turn)}"'
    return f'<div class="sources"{kept}>' + "".join(items) + "</div>"


_SHOWN_TURN = re.compile(r'^<div class="sources" data-turn="(\d+)">')


def shown_turn(panel: str | None) -> int | None:
    """The turn whose sources `panel` (the Sources panel's HTML, as `sources_html` made it) shows."""
    found = _SHOWN_TURN.match(panel or "")
    return int(found.group(1)) if found else None


def _citation_html(c: Citation, document: Document | None, mark: str = "") -> str:
    if document is not None and document.text[c.start : c.end] == c.quote:
        body = quote_in_context(document.text, c.start, c.end, plain_text=reads_as_plain_text(document.id))
    else:
        body = f"<mark>{escape(c.quote)}</mark>"
    mark = mark if mark in MARK_LABELS else ""
    return (
        f'<div class="citation" id="citation-{c.n}" data-n="{c.n}" data-mark="{mark or "unchecked"}">'
        f'<div class="citation-head"><span class="citation-n">[{c.n}]</span> '
        f"{describe(document, c.source)} "
        f'<span class="citation-mark mark-{mark or "unchecked"}">{MARK_LABELS[mark]}</span></div>'
        f'<div class="citation-file">{escape(c.source)}, {_place(c)}characters {c.start}–{c.end}</div>'
        + (f'<div class="citation-section">{escape(c.section)}</div>' if c.section else "")
        + f'<blockquote class="citation-context">{body}</blockquote>'
        "</div>"
    )


def _place(c: Citation) -> str:
    """ "page 12, " for a citation from a paged document (PDF), else nothing."""
    return f"page {c.page}, " if c.page else ""


def viewer_html(
    document: Document | None, start: int | None = None, end: int | None = None, page: int | None = None
) -> str:
    """The whole document, escaped, whitespace preserved, [start, end) in <mark id="cited">; with
    `page`, the heading says which page of a paged document the cited passage is on."""
    if document is None:
        return '<div class="viewer-empty">Choose a document, or open a citation from the Sources tab.</div>'
    text = document.text
    cited = start is not None and end is not None and 0 <= start < end <= len(text)
    if cited:
        body = f'{escape(text[:start])}<mark id="cited">{escape(text[start:end])}</mark>{escape(text[end:])}'
    else:
        body = escape(text)
    on_page = (
        f'<div class="viewer-page" id="viewer-page">Cited passage: page {page}</div>'
        if cited and page
        else ""
    )
    return (
        f'<div class="viewer-head">{describe(document, document.id)}'
        f'<div class="citation-file">{escape(document.id)}</div>{on_page}</div>'
        f'<div class="viewer-text" id="viewer-text" tabindex="0" role="region" aria-label="Document text">'
        f"{body}</div>"
    )
