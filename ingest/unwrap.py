"""Find the paragraphs of hard-wrapped plain text: lines a fixed-width wrapper broke, joined.

Plain text is often wrapped at a fixed width (licences, RFCs, e-mails, reST sources): a
sentence runs over several lines, and a block per line cuts it into fragments that neither read
nor cite as sentences ("each Contributor hereby grants to You a perpetual,"). A
wrapper (fmt, textwrap, an editor's fill, or a person) fills each line of a paragraph to near
the width, and ends a line early only where the next word would not fit; so a line is joined to
the next one when it reaches near the width the file is wrapped at, or the next line's first
word would have run past it. Headings and the last line of a paragraph end well short of it and
stay lines of their own, and so does a line opening a list item; a file that is not wrapped (one
paragraph per line, as web pages, PDFs and Word files are read) is left line by line.

Returns spans only: the text is never changed, so a joined line still is an exact slice of it
(line breaks and all). Does not decide what is content: see `furniture`.
"""

from __future__ import annotations

import re

MIN_LINES = 10  # fewer non-blank lines than this say nothing about a wrap width
MIN_WRAP_WIDTH = 40  # narrower "widths" are short lines (lists, verse), not filled prose
MAX_WRAP_WIDTH = 120  # wrappers fill to 60-100 columns; longer lines are unwrapped paragraphs
WIDTH_PERCENTILE = 0.95  # the wrap width: most lines end at or below it, a stray long URL above
FILLED = 0.7  # a line reaching this share of the width was filled to it ...
MIN_FILLED_SHARE = 0.5  # ... and in wrapped text at least this share of the lines are
# In wrapped prose many lines carry on a sentence, so the next line opens with a small letter; a
# list of names or addresses, however even its lines, almost never does.
MIN_CARRIED_SHARE = 0.3
# A line of one character repeated: a heading's underline or a rule ("=====", "-----", "*****").
# It ends what is above it and carries on nothing.
RULE = re.compile(r"[ \t]*([=\-~*#^_+])\1{2,}[ \t]*")
# A line opening a list item or a numbered clause starts a block of its own.
_LIST_ITEM = re.compile(
    r"\s*(?:[•●▪◦·*+\-–—]\s|\d{1,3}(?:\.\d{1,3})+\.?\s|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlc]{1,6})[.)]\s)"
)


def logical_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` without its line break, or of each run of lines a
    wrapper broke, joined (see the module docstring).

    Example: in a file wrapped at 30 columns, "A licence grants rights to all\\nusers.\\nNext" gives
    the spans of "A licence grants rights to all\\nusers." and "Next".
    """
    lines = physical_lines(text)
    width = wrap_width(text, lines)
    if width is None:
        return lines
    joined: list[tuple[int, int]] = []
    previous: tuple[int, int] | None = None  # the last physical line, when it may be carried on
    for start, end in lines:
        if joined and previous is not None and _continues(text, previous, (start, end), width):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
        previous = (start, end) if text[start:end].strip() else None
    return joined


def wrap_width(text: str, lines: list[tuple[int, int]] | None = None) -> int | None:
    """The width `text` is hard-wrapped at, or None when it does not look wrapped."""
    found = lines or physical_lines(text)
    lengths = sorted(_columns(text, start, end) for start, end in found if text[start:end].strip())
    if len(lengths) < MIN_LINES:
        return None
    width = lengths[int(WIDTH_PERCENTILE * (len(lengths) - 1))]
    near = sum(length >= FILLED * width for length in lengths) / len(lengths)
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH or near < MIN_FILLED_SHARE:
        return None
    pairs = zip(found, found[1:], strict=False)  # each line with the one after it
    followers = [text[b[0] : b[1]].lstrip() for a, b in pairs if text[a[0] : a[1]].strip()]
    carried = [line[0].islower() for line in followers if line]
    if not carried or sum(carried) / len(carried) < MIN_CARRIED_SHARE:
        return None
    return width


def _continues(text: str, previous: tuple[int, int], line: tuple[int, int], width: int) -> bool:
    """`line` carries on the paragraph `previous` (the line just before it) belongs to: neither is
    a rule (`RULE`), `line` is not blank and opens no list item, and `previous` was filled: it
    reaches near the width, or the line's first word would not have fitted on it."""
    words = text[line[0] : line[1]]
    if not words.strip() or _LIST_ITEM.match(words) or RULE.fullmatch(words):
        return False
    if RULE.fullmatch(text[previous[0] : previous[1]]):
        return False
    filled = _columns(text, *previous)
    return filled >= FILLED * width or filled + 1 + len(words.split(maxsplit=1)[0]) > width


def _columns(text: str, start: int, end: int) -> int:
    """Where the line's text ends, in columns: its length without trailing blanks."""
    return len(text[start:end].rstrip())


def physical_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, without its line break ("\r\n" or "\n")."""
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        spans.append((offset, offset + len(line.rstrip("\r\n"))))
        offset += len(line)
    return spans
