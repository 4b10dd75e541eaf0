"""Give each passage its page and the heading path it sits under.

Headings come from the format readers with a level; the path of a passage is the last heading
of each level above it, outermost first, joined with " › ". A heading closes every deeper one:
after "3. Leadership" (1) and "3.2 Workforce" (2), a new level-1 heading starts a fresh path.

Example: headings "3. Leadership" (1), "3.2 Workforce" (2), then a passage ->
section "3. Leadership › 3.2 Workforce".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from ingest.documents import Document, Passage
from ingest.formats.layout import Heading

SEPARATOR = " › "


def heading_paths(text: str, headings: Sequence[Heading]) -> list[tuple[int, str]]:
    """(offset, path) at each heading, in text order: the path in force from that offset on."""
    stack: list[tuple[int, str]] = []
    paths: list[tuple[int, str]] = []
    for heading in sorted(headings, key=lambda h: h.start):
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        stack.append((heading.level, text[heading.start : heading.end]))
        paths.append((heading.start, SEPARATOR.join(title for _, title in stack)))
    return paths


def annotate(
    passages: Iterable[Passage], document: Document, headings: Sequence[Heading]
) -> Iterator[Passage]:
    """The passages (in text order) with their page and section filled in."""
    paths = heading_paths(document.text, headings)
    index = -1
    for passage in passages:
        while index + 1 < len(paths) and paths[index + 1][0] <= passage.start:
            index += 1
        section = paths[index][1] if index >= 0 else ""
        page = document.page_at(passage.start)
        if page or section:
            passage = replace(passage, page=page, section=section)
        yield passage


def with_context(passage: Passage) -> str:
    """What is embedded for a passage: its section path before its text, so retrieval sees where it
    sits ("3.2 Workforce" helps "how many social workers were appointed"). Unchanged without one."""
    return f"{passage.section}\n{passage.text}" if passage.section else passage.text
