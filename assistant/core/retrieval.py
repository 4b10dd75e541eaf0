"""Hybrid retrieval: BM25, dense search and dense search in context, fused by reciprocal rank.

BM25 (bm25s) finds the passages that share the question's words; the dense search (exact cosine
over the library's MiniLM vectors) finds those that say the same thing in other words; the context
search compares the question with each sentence averaged with its neighbours, which finds a
sentence whose subject is named just before it. Reciprocal-rank fusion needs no score calibration
between them, so no retriever's scale can drown the others.

Dense search is exact, on the vectors the library holds anyway for the context search: the same
question gets the same candidates in every process and every index built from the same files
(Chroma's HNSW graph, built by several threads, is not the same twice and drops a neighbour now
and then), and one matrix product over 100,000 passages takes a few milliseconds.

Does not choose answer sentences: see `answering`.
"""

from __future__ import annotations

from collections.abc import Collection as AbstractSet
from dataclasses import dataclass

import numpy as np

from assistant.core.keyword_index import KeywordIndex
from assistant.core.library import Library

_TIE_MARGIN = 10
_ROUNDING = 1e-6  # scores are compared rounded to 6 places (see `_top_ranks`)


@dataclass(frozen=True)
class Hit:
    """A passage row of the library with its fused score and per-retriever ranks."""

    row: int
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    dense_similarity: float
    window_rank: int | None = None


class HybridRetriever:
    """Ranks library passages for a query with BM25, dense search, or both fused."""

    def __init__(
        self,
        library: Library,
        candidates: int,
        rrf_k: int,
        mode: str = "hybrid",
        keywords: KeywordIndex | None = None,
    ) -> None:
        """`keywords`: the passages' keyword index when already built or loaded (`derived_files`)."""
        self.library = library
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        if keywords is None and library.passages:
            keywords = KeywordIndex([p.passage.text for p in library.passages])
        self._bm25 = keywords

    def retrieve(
        self,
        query: str,
        query_vector: np.ndarray,
        allowed_documents: AbstractSet[str] | None = None,
        mode: str | None = None,
    ) -> list[Hit]:
        """Fused ranking of passages for `query`, restricted to `allowed_documents` if given."""
        mode = mode or self.mode
        if not self.library.passages:
            return []
        similarities = self.library.vectors @ query_vector
        bm25_ranks = self._bm25_ranks(query, allowed_documents) if mode != "dense" else {}
        dense_ranks = self._dense_ranks(similarities, allowed_documents) if mode != "bm25" else {}
        window_ranks = self._window_ranks(similarities, allowed_documents) if mode == "hybrid" else {}
        fused: dict[int, float] = {}
        for ranks in (bm25_ranks, dense_ranks, window_ranks):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.rrf_k + rank)
        hits = [
            Hit(
                row,
                score,
                bm25_ranks.get(row),
                dense_ranks.get(row),
                float(similarities[row]),
                window_ranks.get(row),
            )
            for row, score in fused.items()
        ]
        hits.sort(key=lambda hit: (-round(hit.score, 12), -round(hit.dense_similarity, 6), hit.row))
        return hits

    def _bm25_ranks(self, query: str, allowed: AbstractSet[str] | None) -> dict[int, int]:
        assert self._bm25 is not None
        if not any(ch.isalnum() for ch in query):
            return {}
        mask = None
        if allowed is not None:
            # Passages of other documents score zero, so the top candidates are all allowed ones.
            passages = self.library.passages
            mask = np.asarray([int(p.passage.document_id in allowed) for p in passages])
        # A few more than fusion uses, so that equal scores at the cut are all seen and ordered.
        found = self._bm25.search(query, self.candidates + _TIE_MARGIN, mask)
        scored = [(round(score, 9), row) for row, score in found]
        # Equal scores (the same line in several places) in passage order: bm25s sums a query's
        # terms in an order that varies between processes, which reorders ties at random.
        scored.sort(key=lambda item: (-item[0], item[1]))
        ranks: dict[int, int] = {}
        for _, row in scored:
            if allowed is not None and self.library.passages[row].passage.document_id not in allowed:
                continue
            ranks[row] = len(ranks) + 1
            if len(ranks) >= self.candidates:
                break
        return ranks

    def _window_ranks(self, similarities: np.ndarray, allowed: AbstractSet[str] | None) -> dict[int, int]:
        return self._top_ranks(self.library.window_similarities(similarities), allowed)

    def _dense_ranks(self, similarities: np.ndarray, allowed: AbstractSet[str] | None) -> dict[int, int]:
        return self._top_ranks(similarities, allowed)

    def _top_ranks(self, scores: np.ndarray, allowed: AbstractSet[str] | None) -> dict[int, int]:
        """Ranks of the best-scoring passages among the allowed ones; equal scores (the same line
        in several places) in passage order."""
        if allowed is not None:
            mask = np.asarray([p.passage.document_id in allowed for p in self.library.passages])
            scores = np.where(mask, scores, -np.inf)
        count = min(self.candidates, int(np.isfinite(scores).sum()))
        if count <= 0:
            return {}
        # Only rows near the top can be among the best once rounded: rounding moves a score by at
        # most half a millionth, so they score within a millionth of the count-th best raw score.
        raw_cut = np.partition(scores, len(scores) - count)[len(scores) - count]
        near = np.flatnonzero(scores >= raw_cut - _ROUNDING)
        rounded = np.round(scores[near].astype(np.float64), 6)
        cut = np.sort(rounded)[-count]
        tied = near[rounded >= cut]  # every passage scoring as the last one kept
        tied_scores = rounded[rounded >= cut]
        ordered = tied[np.lexsort((tied, -tied_scores))][:count]
        return {int(row): rank for rank, row in enumerate(ordered, start=1)}
