"""Hybrid retrieval: BM25 and dense search, fused by reciprocal rank.

BM25 (LlamaIndex's bm25s retriever) finds the passages that share the question's words;
the dense search (Chroma's HNSW over MiniLM vectors) finds those that say the same thing in
other words. Reciprocal-rank fusion needs no score calibration between the two, so neither
retriever's scale can drown the other.

Does not choose answer sentences: see `answering`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection as AbstractSet
from dataclasses import dataclass

import numpy as np
from chromadb.api.models.Collection import Collection
from llama_index.core.schema import QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.library import Library


@dataclass(frozen=True)
class Hit:
    """A passage row of the library with its fused score and per-retriever ranks."""

    row: int
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    dense_similarity: float


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
        self._bm25 = self._build_bm25(library, candidates) if library.passages else None

    @staticmethod
    def _build_bm25(library: Library, candidates: int) -> BM25Retriever:
        """BM25 over the library's passages, in library order, returning `candidates` at most.

        Only as many as fusion uses: LlamaIndex builds a node object for every passage returned,
        which for all of them took most of a question's time on 3,500 passages.
        """
        nodes = [TextNode(id_=p.id, text=p.passage.text) for p in library.passages]
        logging.getLogger("llama_index.retrievers.bm25.base").setLevel(logging.ERROR)
        return BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(candidates, len(nodes)))

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
        fused: dict[int, float] = {}
        for ranks in (bm25_ranks, dense_ranks):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.rrf_k + rank)
        hits = [
            Hit(row, score, bm25_ranks.get(row), dense_ranks.get(row), float(similarities[row]))
            for row, score in fused.items()
        ]
        hits.sort(key=lambda hit: (-hit.score, -hit.dense_similarity))
        return hits

    def _bm25_ranks(self, query: str, allowed: AbstractSet[str] | None) -> dict[int, int]:
        assert self._bm25 is not None
        if not any(ch.isalnum() for ch in query):
            return {}
        retriever = self._bm25
        if allowed is not None:
            # Passages of other documents score zero, so the top candidates are all allowed ones.
            retriever = copy.copy(self._bm25)  # shares the index; this question's mask only
            passages = self.library.passages
            retriever.corpus_weight_mask = [int(p.passage.document_id in allowed) for p in passages]
        results = retriever.retrieve(QueryBundle(query_str=query))
        ranks: dict[int, int] = {}
        for node in results:
            if node.score is None or node.score <= 0:
                continue
            row = self.library.row_of[node.node.node_id]
            if allowed is not None and self.library.passages[row].passage.document_id not in allowed:
                continue
            ranks[row] = len(ranks) + 1
            if len(ranks) >= self.candidates:
                break
        return ranks

    def _dense_ranks(self, query_vector: np.ndarray, allowed: AbstractSet[str] | None) -> dict[int, int]:
        where = {"document_id": {"$in": sorted(allowed)}} if allowed is not None else None
        if allowed is not None and not allowed:
            return {}
        result = self.collection.query(
            query_embeddings=[query_vector.tolist()],
            n_results=min(self.candidates, len(self.library.passages)),
            where=where,  # type: ignore[arg-type]
            include=[],
        )
        ranks: dict[int, int] = {}
        for passage_id in result["ids"][0]:
            row = self.library.row_of.get(passage_id)
            if row is not None:
                ranks[row] = len(ranks) + 1
        return ranks
