"""Hybrid retrieval: BM25, dense search and dense search in context, fused by reciprocal rank.

BM25 (LlamaIndex's bm25s retriever) finds the passages that share the question's words;
the dense search (Chroma's HNSW over MiniLM vectors) finds those that say the same thing in
other words; the context search compares the question with each sentence averaged with its
neighbours, which finds a sentence whose subject is named just before it. Reciprocal-rank fusion
needs no score calibration between them, so no retriever's scale can drown the others.

Does not choose answer sentences: see `answering`.
"""

from __future__ import annotations

from collections.abc import Collection as AbstractSet
from dataclasses import dataclass

import numpy as np
from chromadb.api.models.Collection import Collection

from assistant.core.keyword_index import KeywordIndex
from assistant.core.library import Library

_TIE_MARGIN = 10


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
        collection: Collection,
        candidates: int,
        rrf_k: int,
        mode: str = "hybrid",
    ) -> None:
        self.library = library
        self.collection = collection
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        self._bm25 = KeywordIndex([p.passage.text for p in library.passages]) if library.passages else None

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
        bm25_ranks = self._bm25_ranks(query, allowed_documents) if mode != "dense" else {}
        dense_ranks = self._dense_ranks(query_vector, allowed_documents) if mode != "bm25" else {}
        similarities = self.library.vectors @ query_vector
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
        scores = self.library.window_similarities(similarities)
        if allowed is not None:
            mask = np.asarray([p.passage.document_id in allowed for p in self.library.passages])
            scores = np.where(mask, scores, -np.inf)
        count = min(self.candidates, int(np.isfinite(scores).sum()))
        if count <= 0:
            return {}
        top = np.argpartition(-scores, count - 1)[:count]
        ordered = top[np.argsort(-scores[top], kind="stable")]
        return {int(row): rank for rank, row in enumerate(ordered, start=1)}

    def _dense_ranks(self, query_vector: np.ndarray, allowed: AbstractSet[str] | None) -> dict[int, int]:
        where = {"document_id": {"$in": sorted(allowed)}} if allowed is not None else None
        if allowed is not None and not allowed:
            return {}
        result = self.collection.query(
            query_embeddings=[query_vector.tolist()],
            n_results=min(self.candidates + _TIE_MARGIN, len(self.library.passages)),
            where=where,  # type: ignore[arg-type]
            include=["distances"],
        )
        distances = (result.get("distances") or [[]])[0]
        found = [
            (round(float(distance), 6), row)
            for passage_id, distance in zip(result["ids"][0], distances, strict=True)
            if (row := self.library.row_of.get(passage_id)) is not None
        ]
        found.sort()  # equal vectors (the same line twice) in passage order, whatever HNSW visited first
        return {row: rank for rank, (_, row) in enumerate(found[: self.candidates], start=1)}
