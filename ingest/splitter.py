"""Split content blocks into sentence passages, keeping exact character spans.

One sentence per passage keeps citations precise: the quote an officer pastes is the
sentence that says it. Very short sentences are joined to the next one in the same block
(so "She added:" does not stand alone) and very long runs are cut at clause or word
boundaries, so no passage exceeds `max_chars`.

Every step is linear in the text: a run of a million full stops costs what a million letters
do. Does not embed or store anything, and never changes the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ingest.documents import Passage
from ingest.furniture import Block

# The default of `Settings.max_passages_per_file`: about a 600-page report. A file past it is
# skipped, not embedded for hours (a million-line log yields a million passages).
DEFAULT_MAX_PASSAGES_PER_FILE = 20_000

# Words whose trailing full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr cllr cllrs prof rev st no nos co ltd inc vs etc e.g i.e approx dept gov sgt jr sr"
    " jan feb mar apr jun jul aug sep sept oct nov dec fig cf ca".split()
)
# A boundary starts only where a run of stops starts, and its runs are possessive: without that,
# a line of n full stops costs n² steps. Both change nothing that matches.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"”’')\]]*+(?=\s++[\"“‘'(£$€•\-–A-Z0-9])")
_CLAUSE_BREAK = re.compile(r"[;:,]\s+|\s[–—-]\s")
_BLANK = " \t\r\n\f\v\u00a0\u2007\u202f\ufeff"


def sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence inside `text[start:end]`, trimmed of blanks.

    Example: "Mr Walker said so. It is safe." -> spans of "Mr Walker said so." and "It is safe."
    """
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        yield from _trimmed(text, cursor, match.end())
        cursor = match.end()
    yield from _trimmed(text, cursor, end)


def split_passages(
    document_id: str,
    text: str,
    blocks: Iterable[Block],
    min_chars: int = 40,
    max_chars: int = 600,
) -> list[Passage]:
    """Sentence passages of every block, short ones merged forward, long ones cut."""
    return list(iter_passages(document_id, text, blocks, min_chars, max_chars))


def iter_passages(
    document_id: str,
    text: str,
    blocks: Iterable[Block],
    min_chars: int = 40,
    max_chars: int = 600,
) -> Iterator[Passage]:
    """`split_passages` one passage at a time, in text order, so a caller can stop at a cap."""
    for block in blocks:
        spans = list(sentence_spans(text, block.start, block.end))
        for start, end in _merge_short(spans, min_chars):
            for piece_start, piece_end in _cut_long(text, start, end, max_chars):
                yield Passage(document_id, piece_start, piece_end, text[piece_start:piece_end])


def _is_abbreviation(text: str, sentence_start: int, stop: int) -> bool:
    """True when the full stop at `stop` belongs to "Mr.", "e.g." or an initial like "J."."""
    if text[stop] != ".":
        return False
    word_start = stop
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:stop].lstrip("(\"“‘'").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start] in _BLANK:
        start += 1
    while end > start and text[end - 1] in _BLANK:
        end -= 1
    if start < end:
        yield start, end


def _merge_short(spans: list[tuple[int, int]], min_chars: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            start = pending[0]
            pending = None
        if end - start < min_chars:
            pending = (start, end)
        else:
            merged.append((start, end))
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], pending[1])
        else:
            merged.append(pending)
    return merged


def _cut_long(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut a span longer than `max_chars` at the last clause break (else space) before the limit."""
    while end - start > max_chars:
        limit = start + max_chars
        cut = _last_break(text, start + max_chars // 2, limit)
        yield from _trimmed(text, start, cut)
        start = cut
    yield from _trimmed(text, start, end)


def _last_break(text: str, low: int, high: int) -> int:
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, low, high)]
    if breaks:
        return breaks[-1]
    space = max(text.rfind(" ", low, high), text.rfind("\u00a0", low, high))
    return space + 1 if space > low else high
