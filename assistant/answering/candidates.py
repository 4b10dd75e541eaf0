"""Candidate answer sentences: the best retrieved sentences and the neighbours of the very best.

An answer is often in the sentence next to the one that matches the question best ("He added
that ...", "(Contributed by ...)", "Author: ..."), so the sentences just before and after the
top few hits join the candidates even when retrieval ranked them low. Each candidate keeps what
retrieval knew of it.

Does not compute features or score anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.core.library import Library
from assistant.core.retrieval import Hit


@dataclass(frozen=True)
class Candidate:
    """A sentence of the library (by row) with its place in the fused ranking, if it had one."""

    row: int
    position: int | None  # 0-based place in the fused ranking; None when added as a neighbour
    hit: Hit | None


def gather(library: Library, hits: list[Hit], size: int, neighbours_of: int) -> list[Candidate]:
    """The `size` best hits, then the sentences before and after each of the best `neighbours_of` hits."""
    chosen = [Candidate(hit.row, position, hit) for position, hit in enumerate(hits[:size])]
    seen = {c.row for c in chosen}
    by_row = {hit.row: (position, hit) for position, hit in enumerate(hits)}
    for hit in hits[:neighbours_of]:
        item = library.passages[hit.row]
        for neighbour in library.neighbours(item.id, before=1, after=1):
            row = library.row_of[neighbour.id]
            if row in seen:
                continue
            seen.add(row)
            position, found = by_row.get(row, (None, None))
            chosen.append(Candidate(row, position, found))
    return chosen
