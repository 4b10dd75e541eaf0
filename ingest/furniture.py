"""Find the parts of a document that are content, leaving page furniture out.

Scraped pages carry navigation, logo and icon lines, share buttons and image captions.
Rather than rewriting the text (which would break citation offsets), this returns the
character spans of the content blocks, one per line, so every passage made from them is
still an exact slice of the original text.

Structured formats (PDF, Word, web pages) say themselves which spans are furniture or
headings; those are passed in as `skip`. Does not decide where sentences end: see `splitter`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.unwrap import logical_lines, physical_lines

# Whitespace as scraped pages have it: NBSP and friends count as blank.
_BLANK = " \t\r\f\v\u00a0\u2007\u202f\ufeff"
# A bullet glyph, or a dash or star with a space after it: "-c, --check" and "*args" open with
# what they are, not with a bullet. Both are matched where a line's text starts (after its
# indent), so neither has a "^": that would match only at the very start of the line.
_BULLET = re.compile(r"[•●▪◦·]\s*|[-–—*]\s+")
_GLUED_LOGO = re.compile(r"(?:[A-Z][\w&'-]*\s){0,3}logo(?=[A-Z\"“‘])")
_FURNITURE_LINE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:logo|icon)s?\b",
        r"^(?:share|print|email|tweet|menu|search|home|skip to (?:main )?content)(?: this page)?$",
        r"\bfollow us\b",
        r"^read more\b",
        r"^view full notice$",
        r"^new!",
        r"\b(?:getty images|image|photo|picture|copyright|©)\b",
        r"\bcookies?\b",
        r"\b(?:sign|log) ?in\b",
    )
]
# A line of a table of contents: "6.2 Cat pages ........ 21", "3. Findings … 12".
CONTENTS_LINE = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|…\s*\d{1,4}$")
_FULL_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}|\b(?:19|20)\d{2}\b")
# A line that ends what it says: a stop, colon or semicolon, before any closing quotes or brackets.
ENDS_A_SENTENCE = re.compile(r"[.!?:;][\"”’')\]]*$")
_MAX_FURNITURE_WORDS = 12


@dataclass(frozen=True)
class Block:
    """A run of content on one line: `text[start:end]`."""

    start: int
    end: int


def content_blocks(
    text: str,
    skip: Sequence[tuple[int, int]] = (),
    wrapped: bool = False,
    kept: Sequence[tuple[int, int]] = (),
) -> list[Block]:
    """Spans of the lines that are content, trimmed of bullets and glued logo text.

    `skip` are spans a format reader marked as not content (running headers and footers, page
    numbers, headings): a line that starts inside one is left out. `kept` are spans it knows are
    content (all of a Markdown file): a line starting inside one is never taken for chrome,
    however short ("- red") or worded ("Users log in with their company account"); only a
    contents line is still left out. `wrapped`: the text may be hard-wrapped plain text, whose
    wrapped lines are joined into one block per paragraph (`unwrap`) before anything is judged
    furniture.
    Example: "CSSIW logo\n\nCSSIW logoThe council..." -> one block covering "The council...".
    """
    blocks: list[Block] = []
    spans = sorted(skip)
    structured = sorted(kept)
    next_span = next_kept = 0
    lines = logical_lines(text) if wrapped else physical_lines(text)
    for start, end in lines:
        while next_kept < len(structured) and structured[next_kept][1] <= start:
            next_kept += 1
        by_structure = next_kept < len(structured) and structured[next_kept][0] <= start
        block = _content_of_line(text[start:end], start, by_structure)
        if block is None:
            continue
        while next_span < len(spans) and spans[next_span][1] <= block.start:
            next_span += 1
        if next_span < len(spans) and spans[next_span][0] <= block.start:
            continue
        blocks.append(block)
    return blocks


def _content_of_line(body: str, offset: int, by_structure: bool = False) -> Block | None:
    start = len(body) - len(body.lstrip(_BLANK))
    end = len(body.rstrip(_BLANK))
    if start >= end:
        return None
    stripped = body[start:end]
    if CONTENTS_LINE.search(stripped) if by_structure else is_furniture(stripped):
        return None
    for prefix in (_BULLET, _GLUED_LOGO):
        match = prefix.match(body, start, end)
        if match and match.end() < end:
            start = match.end()
    return Block(offset + start, offset + end)


def is_furniture(line: str) -> bool:
    """Short lines of site chrome (logos, icons, share/print buttons, captions, stray date parts)
    and of a table of contents."""
    words = line.split()
    if len(words) > _MAX_FURNITURE_WORDS or ENDS_A_SENTENCE.search(line):
        return False
    if len(words) <= 2 and not _FULL_DATE.search(line):
        return True
    return bool(CONTENTS_LINE.search(line)) or any(pattern.search(line) for pattern in _FURNITURE_LINE)
