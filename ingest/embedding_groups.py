"""Embed the changed files in groups: several small files per encoder call, a large file in slices.

Grouping consecutive small files into one call lets the encoder batch passages of similar length
(little padding); a file larger than the group size is embedded alone, in calls of that size,
with a progress line between them. Vectors come back in the files' order, passage by passage.

Does not write anything: the pipeline hands each group's vectors to `ingest.writing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ingest.embedder import Embedder
from ingest.preparing import PreparedFile
from ingest.progress import FileProgress
from ingest.sections import with_context


def embedding_groups(changed: list[PreparedFile], size: int) -> Iterator[list[PreparedFile]]:
    """Consecutive files holding about `size` passages together (a larger file is a group alone).

    Example: files of 600, 300, 200 and 1,500 passages with `size` 1,024 -> [600, 300], [200],
    [1,500].
    """
    group: list[PreparedFile] = []
    count = 0
    for prepared in changed:
        if group and count + len(prepared.passages) > size:
            yield group
            group, count = [], 0
        group.append(prepared)
        count += len(prepared.passages)
    if group:
        yield group


def embed_group(
    model: Embedder, group: list[PreparedFile], size: int, bar: Any, lines: FileProgress
) -> np.ndarray:
    """Vectors of a group's passages in order: one encoder call for several small files (batches of
    similar length, little padding); a file larger than `size` alone, in calls of `size` passages
    with a progress line between them."""
    texts = [with_context(p) for prepared in group for p in prepared.passages]
    if len(texts) <= size:
        vectors = model.embed(texts)
        if bar is not None:
            bar.update(len(texts))
        return vectors
    name = group[0].document.id
    parts: list[np.ndarray] = []
    lines.step("embedding", name, 0, len(texts), "passages")
    for lo in range(0, len(texts), size):
        parts.append(model.embed(texts[lo : lo + size]))
        if bar is not None:
            bar.update(len(parts[-1]))
        lines.step("embedding", name, min(lo + size, len(texts)), len(texts), "passages")
    return np.concatenate(parts)


def embedding_bar(total: int, enabled: bool) -> Any:
    """The interactive run's progress bar over `total` passages (None when not `enabled`)."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="passage", desc="Embedding")
