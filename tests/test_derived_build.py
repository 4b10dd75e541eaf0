"""Building the keyword index and vocabulary: counted in a second process for a large library,
they come out exactly as when everything is built in one process."""

from __future__ import annotations

import pytest

from assistant.core import terms
from assistant.core.derived_build import build_derived
from assistant.core.keyword_index import KeywordIndex

TEXTS = [
    "The Lighthouse Keepers Log (LKL) is kept at the north station.",
    "The lamp failed twice in January; keeper Morwenna Hale replaced its wick.",
    "The fog signal was tested every Sunday and sounded for nine minutes.",
    "Eleven moorings were inspected by the Port Authority (PA) in May.",
    "Two moorings were loose and were tightened the same week.",
]
QUERIES = ("who replaced the wick", "moorings inspected", "fog signal Sunday", "north station log")


def _search(keywords: KeywordIndex | None, query: str) -> list[tuple[int, float]]:
    assert keywords is not None
    return [(row, round(score, 12)) for row, score in keywords.search(query, 5)]


@pytest.mark.subprocess
def test_a_vocabulary_counted_in_a_second_process_is_the_one_counted_here() -> None:
    dictionary = frozenset({"lamp", "wick"})
    here_keywords, here = build_derived(TEXTS, dictionary, parallel_from=len(TEXTS) + 1)
    there_keywords, there = build_derived(TEXTS, dictionary, parallel_from=1)
    assert there.counts() == here.counts() == terms.Vocabulary(TEXTS).counts()
    assert there.dictionary == dictionary
    assert there.aliases == here.aliases and "lkl" in there.aliases
    for query in QUERIES:
        assert _search(there_keywords, query) == _search(here_keywords, query)
        assert _search(there_keywords, query)


def test_no_texts_give_no_keyword_index_and_an_empty_vocabulary() -> None:
    keywords, vocabulary = build_derived([], frozenset(), parallel_from=1)
    assert keywords is None
    assert not vocabulary.frequency
