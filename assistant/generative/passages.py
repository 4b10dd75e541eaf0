"""The numbered passages a model is given: each retrieved sentence with the sentences around it.

Retrieval finds single sentences; "He said staff were stable" means little without the
sentence before. Each passage is a run of consecutive sentences of one document, so the
sentence that supports a generated claim can be cited on its own, as an exact slice, while the
model read it in context. A sentence is given once: windows that overlap are not repeated.

Does not rank anything: passages come in the order the answerer put the retrieved sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.answers import RetrievedPassage
from assistant.core.library import IndexedPassage, Library


@dataclass(frozen=True)
class NumberedPassage:
    """Passage [n]: consecutive sentences of one document, `text` their exact span."""

    n: int
    source: str
    title: str
    text: str
    sentences: tuple[IndexedPassage, ...]


def number_passages(
    library: Library, retrieved: Sequence[RetrievedPassage], count: int, context: int
) -> list[NumberedPassage]:
    """Up to `count` passages, [1] first, each retrieved sentence with `context` sentences either side."""
    used: set[str] = set()
    numbered: list[NumberedPassage] = []
    for hit in retrieved:
        if len(numbered) >= count:
            break
        if hit.id in used or hit.id not in library.row_of:
            continue
        window = library.neighbours(hit.id, context, context)
        centre = next(i for i, item in enumerate(window) if item.id == hit.id)
        first, last = centre, centre
        while first > 0 and window[first - 1].id not in used:
            first -= 1
        while last < len(window) - 1 and window[last + 1].id not in used:
            last += 1
        sentences = tuple(window[first : last + 1])
        used.update(item.id for item in sentences)
        source = hit.source
        text = library.documents[source].text[sentences[0].passage.start : sentences[-1].passage.end]
        numbered.append(NumberedPassage(len(numbered) + 1, source, library.title(source), text, sentences))
    return numbered
