"""Building what a chat process derives from a new version of the library: the keyword index and
the vocabulary's counts, both pure functions of the passages' texts.

At 100,000 passages each takes about two seconds of one core, one after the other, on the first
start after an ingest (later starts load them: `derived_files`). On a large library the
vocabulary is counted in a second process (spawned, so it shares nothing with this one's threads)
while this one builds the keyword index, and the two cores work at once. Should that process
fail to start or finish, the vocabulary is counted here: slower, never different.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from assistant.core import terms
from assistant.core.keyword_index import KeywordIndex

log = logging.getLogger(__name__)


def vocabulary_counts(texts: Sequence[str]) -> dict[str, Any]:
    """The vocabulary's counts of `texts` (run in the second process)."""
    return terms.Vocabulary(texts).counts()


def build_derived(
    texts: Sequence[str], dictionary: frozenset[str], parallel_from: int
) -> tuple[KeywordIndex | None, terms.Vocabulary]:
    """The keyword index (None without texts) and the vocabulary of `texts`; the vocabulary is
    counted in a second process when there are at least `parallel_from` texts."""
    if len(texts) < parallel_from:
        return (KeywordIndex(texts) if texts else None), terms.Vocabulary(texts, dictionary)
    keywords: KeywordIndex | None = None
    counts: dict[str, Any] | None = None
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            counting = pool.submit(vocabulary_counts, texts)
            keywords = KeywordIndex(texts)
            counts = counting.result()
    except (BrokenProcessPool, OSError) as error:
        log.warning("counting the vocabulary in a second process failed (%s); counting it here", error)
    if keywords is None:
        keywords = KeywordIndex(texts)
    if counts is None:
        return keywords, terms.Vocabulary(texts, dictionary)
    return keywords, terms.Vocabulary.from_counts(counts, dictionary)
