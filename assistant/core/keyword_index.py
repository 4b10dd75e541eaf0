"""The keyword (BM25) index over the library's passages, held as bm25s's sparse score matrix.

The same tokenisation as LlamaIndex's BM25 retriever (English stop words out of the passages,
PyStemmer's English stemmer, words of two or more characters), without its copy of every passage
as a node dictionary: at 100,000 passages that copy cost about 230 MB and several seconds of
start-up, and turning each hit back into a node most of a question's keyword search.

Does not fuse rankings: see `retrieval`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
STOPWORDS = "en"
STEMMER_LANGUAGE = "english"
SIZE_FILE = "passages.txt"


class KeywordIndex:
    """BM25 scores of passages (by row) for a query's words."""

    def __init__(self, texts: Sequence[str]) -> None:
        logging.getLogger("bm25s").setLevel(logging.ERROR)
        self.size = len(texts)
        self._stemmer = Stemmer.Stemmer(STEMMER_LANGUAGE)
        tokens = bm25s.tokenize(
            list(texts),
            stopwords=STOPWORDS,
            stemmer=self._stemmer,
            token_pattern=TOKEN_PATTERN,
            show_progress=False,
        )
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)

    def save(self, folder: Path) -> None:
        """Write the score matrix and vocabulary to `folder` (see `load`)."""
        self._bm25.save(str(folder), show_progress=False)
        (folder / SIZE_FILE).write_text(str(self.size), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """An index `save` wrote, its score matrix memory-mapped (shared by the chat processes of a
        machine, and read from disk only where queries touch it)."""
        logging.getLogger("bm25s").setLevel(logging.ERROR)
        index = cls.__new__(cls)
        index.size = int((folder / SIZE_FILE).read_text(encoding="utf-8"))
        index._stemmer = Stemmer.Stemmer(STEMMER_LANGUAGE)
        index._bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return index

    def search(self, query: str, k: int, allowed_rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The `k` best (row, score) pairs with a positive score, best first (equal scores in row
        order, and all of them kept at the cut); only rows where `allowed_rows` (a 0/1 mask over
        all rows) is 1 when it is given. Selects among the passages that score at all: bm25s's
        own selection partitions every row, mostly zeros, which took 15 ms at 100,000 passages."""
        if not self.size or k <= 0:
            return []
        words = bm25s.tokenize(
            query, stemmer=self._stemmer, token_pattern=TOKEN_PATTERN, show_progress=False, return_ids=False
        )
        ids = self._bm25.get_tokens_ids(words[0]) if words else []
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids, weight_mask=allowed_rows)
        rows = np.flatnonzero(scores > 0)
        if len(rows) > k:
            cut = np.partition(scores[rows], len(rows) - k)[len(rows) - k]
            rows = rows[scores[rows] >= cut]
        ordered = rows[np.lexsort((rows, -scores[rows]))][:k]
        return [(int(row), float(scores[row])) for row in ordered]
