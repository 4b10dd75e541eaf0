"""Read a plain-text file's underlined headings: a short line with a row of "=", "-", "~" or the
like under it (as README files, reST sources and licences are written).

The underline is no passage (nor an overline above the heading), and a heading on the file's
first line is the file's title. The heading itself stays a passage, however short ("Mooring"):
the answerer does not read a passage's section, so a heading left out of the passages would be
text no question could find.

A line counts as a heading only when it stands apart (after a blank line, the file's start or an
overline) and its underline is at least half as long as it; a row of "-" under a paragraph's last
line is a rule, and stays furniture by `furniture`'s own judgement.

The text is kept as it is: underlines are spans of it. Does not unwrap lines: see `unwrap`.
"""

from __future__ import annotations

from ingest.documents import DocumentMeta
from ingest.formats.layout import Extracted
from ingest.unwrap import RULE, physical_lines

_MAX_HEADING_WORDS = 12


def read_plain(text: str, encoding: str) -> Extracted:
    """The text with its headings' underlines (and overlines) marked as furniture; titled by a
    heading on its first line."""
    lines = physical_lines(text)
    first = next((i for i, (start, end) in enumerate(lines) if text[start:end].strip()), None)
    underlines: list[tuple[int, int]] = []
    headings: list[tuple[int, int]] = []
    title = ""
    for index in range(1, len(lines)):
        if not _underlines_a_heading(text, lines, index):
            continue
        heading = index - 1
        # What stands above an underlined heading is a blank line, the file's start or an overline.
        overlined = heading >= 1 and bool(text[lines[heading - 1][0] : lines[heading - 1][1]].strip())
        if overlined:
            underlines.append(lines[heading - 1])
        underlines.append(lines[index])
        headings.append(lines[heading])
        if not title and first in (heading, heading - 1 if overlined else None):
            title = text[lines[heading][0] : lines[heading][1]].strip()
    return Extracted(
        text,
        encoding,
        furniture=tuple(underlines),
        kept=tuple(headings),  # a heading of one or two words is no stray chrome
        meta=DocumentMeta(title=title),
        wrapped=True,
    )


def _underlines_a_heading(text: str, lines: list[tuple[int, int]], index: int) -> bool:
    """Whether line `index` is a rule under a short line that stands apart (see the module)."""
    underline = RULE.fullmatch(text[lines[index][0] : lines[index][1]])
    if underline is None:
        return False
    line = text[lines[index - 1][0] : lines[index - 1][1]]
    words = line.split()
    if not words or len(words) > _MAX_HEADING_WORDS or RULE.fullmatch(line):
        return False
    before = text[lines[index - 2][0] : lines[index - 2][1]] if index >= 2 else ""
    if before.strip() and not RULE.fullmatch(before):
        return False  # the last line of a paragraph, with a rule under it
    return len(underline.group(0).strip()) * 2 >= len(line.strip())
