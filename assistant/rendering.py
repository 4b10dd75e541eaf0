"""HTML for the chat's side panels: the sources of an answer and the document viewer.

Pure functions over `Answer` / `Document` values, so they are tested without a browser.
Every piece of document text is html-escaped here; nothing from the corpus is ever
rendered as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from assistant.answers import Answer, Citation
from ingest.documents import Document

CONTEXT_CHARS = 300

_MARKDOWN_SPECIALS = "\\`*_~#|"


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def chat_text(text: str) -> str:
    """Answer text for the Markdown chatbot: HTML-escaped and Markdown specials neutralised."""
    escaped = escape(text)
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in escaped)


def context_span(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[int, int]:
    """Up to `width` characters either side of [start, end), cut at the nearest line break."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    before = text.rfind("\n", lo, start)
    if before != -1:
        lo = before + 1
    after = text.find("\n", end, hi)
    if after != -1:
        hi = after
    return lo, hi


def quote_in_context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The quote inside its surrounding paragraph, escaped, with the quote in <mark>."""
    lo, hi = context_span(text, start, end, width)
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


def sources_html(answer: Answer | None, documents: Mapping[str, Document]) -> str:
    """The Sources panel: each citation with its metadata and its quote in context."""
    if answer is None:
        return '<div class="sources-empty">Sources of the answer will appear here.</div>'
    if not answer.citations:
        return '<div class="sources-empty">No sources for this answer.</div>'
    heading = "Sources" if answer.answered else "Nearest passages"
    items = [f'<h3 class="sources-heading">{heading}</h3>']
    for c in answer.citations:
        items.append(_citation_html(c, documents.get(c.source)))
    return '<div class="sources">' + "".join(items) + "</div>"


def _citation_html(c: Citation, document: Document | None) -> str:
    if document is not None and document.text[c.start : c.end] == c.quote:
        body = quote_in_context(document.text, c.start, c.end)
    else:
        body = f"<mark>{escape(c.quote)}</mark>"
    return (
        f'<div class="citation" id="citation-{c.n}" data-n="{c.n}">'
        f'<div class="citation-head"><span class="citation-n">[{c.n}]</span> '
        f"{describe(document, c.source)}</div>"
        f'<div class="citation-file">{escape(c.source)}, characters {c.start}–{c.end}</div>'
        f'<blockquote class="citation-context">{body}</blockquote>'
        "</div>"
    )


def viewer_html(document: Document | None, start: int | None = None, end: int | None = None) -> str:
    """The whole document, escaped, whitespace preserved, [start, end) in <mark id="cited">."""
    if document is None:
        return '<div class="viewer-empty">Choose a document, or open a citation from the Sources tab.</div>'
    text = document.text
    if start is not None and end is not None and 0 <= start < end <= len(text):
        body = f'{escape(text[:start])}<mark id="cited">{escape(text[start:end])}</mark>{escape(text[end:])}'
    else:
        body = escape(text)
    return (
        f'<div class="viewer-head">{describe(document, document.id)}'
        f'<div class="citation-file">{escape(document.id)}</div></div>'
        f'<div class="viewer-text" id="viewer-text">{body}</div>'
    )
