"""Asking: `Assistant.ask` latency (p50/p95) and the HNSW index's recall@10 against brute force.

Holds the question sets (the Python-docs questions for the large corpus, the eval dataset's
questions for the bundled one). It builds no index: the indexes it reads were ingested
beforehand (see `ingest`), and the served app is measured in `serving`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.settings import Settings

PYTHON_DOC_QUESTIONS = (
    "How do I open a file for reading?",
    "What does the with statement do?",
    "How are exceptions raised and caught?",
    "What is a generator?",
    "How do I sort a list of dictionaries by a key?",
    "What is the global interpreter lock?",
    "How do I create a virtual environment?",
    "What does the json module do?",
    "How can I run a subprocess and capture its output?",
    "What is a decorator?",
    "How do I format a string with f-strings?",
    "What are type hints?",
    "How does asyncio run coroutines?",
    "What is the difference between a list and a tuple?",
    "How do I read command-line arguments?",
    "What does the logging module provide?",
    "How is memory managed in Python?",
    "What is a dataclass?",
    "How do I compare floating point numbers?",
    "Which version added the walrus operator?",
)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def measure_ask(
    settings: Settings, questions: Sequence[tuple[str, Sequence[str]]], second_pass: bool = True
) -> dict[str, Any]:
    """End-to-end `Assistant.ask` latency: one warm-up question, then each question once.

    Answers are worked out every time (the answer cache is off) so the figures measure the
    pipeline; `answer_cache_p50_ms` is a repeated question served from the cache.
    """
    from assistant.core.answer_cache import AnswerCache
    from assistant.core.service import create_assistant

    started = time.perf_counter()
    assistant = create_assistant(settings.updated(serving={"answer_cache_size": 0}))
    create_s = time.perf_counter() - started
    assistant.ask("What is this about?")
    first = _timed_asks(assistant, questions)
    result: dict[str, Any] = {
        "questions": len(questions),
        "create_assistant_s": create_s,
        "p50_ms": percentile(first, 50),
        "p95_ms": percentile(first, 95),
        "max_ms": max(first) if first else float("nan"),
    }
    if second_pass:
        cached = _timed_asks(assistant, questions)
        result["cached_p50_ms"] = percentile(cached, 50)
        result["cached_p95_ms"] = percentile(cached, 95)
        assistant.answers = AnswerCache(4 * len(questions) + 1)  # room for follow-ups' history too
        _timed_asks(assistant, questions)
        repeated = _timed_asks(assistant, questions)
        result["answer_cache_p50_ms"] = percentile(repeated, 50)
    return result


def _timed_asks(assistant: Any, questions: Sequence[tuple[str, Sequence[str]]]) -> list[float]:
    times: list[float] = []
    for question, history in questions:
        started = time.perf_counter()
        assistant.ask(question, list(history))
        times.append((time.perf_counter() - started) * 1000)
    return times


def eval_questions() -> list[tuple[str, tuple[str, ...]]]:
    from evals.dataset import load_dataset

    return [(item.question, item.history) for item in load_dataset()]


# --- index quality ---------------------------------------------------------------------------------


def measure_recall(index: Path, query_vectors: np.ndarray, k: int = 10) -> dict[str, Any]:
    """Mean overlap of Chroma's top-k with the exact top-k (dot products of normalised vectors).

    Ties count: a Chroma hit whose exact similarity equals the k-th exact one is correct,
    since duplicate passages (the same reST line in many files) have identical vectors.
    """
    from ingest.store import open_client, passages_collection, read_all

    collection = passages_collection(open_client(index))
    records = read_all(collection, ("embeddings",))
    ids = records.ids
    matrix = np.vstack(records.embeddings) if ids else np.zeros((0, 384), np.float32)
    row_of = {id_: row for row, id_ in enumerate(ids)}
    k = min(k, len(ids))
    started = time.perf_counter()
    answers = collection.query(query_embeddings=query_vectors.tolist(), n_results=k, include=[])
    query_s = time.perf_counter() - started
    overlaps: list[float] = []
    for vector, found in zip(query_vectors, answers["ids"], strict=True):
        scores = matrix @ vector
        kth = np.partition(scores, -k)[-k]
        hits = sum(1 for id_ in found if scores[row_of[id_]] >= kth - 1e-6)
        overlaps.append(min(hits, k) / k)
    return {
        "queries": len(overlaps),
        "stored_vectors": len(ids),
        "k": k,
        "recall_at_k": float(np.mean(overlaps)) if overlaps else float("nan"),
        "min_recall": float(min(overlaps)) if overlaps else float("nan"),
        "query_ms_per_vector": query_s * 1000 / max(len(overlaps), 1),
    }


def recall_queries(index: Path, embedder: Any, questions: Sequence[str], random_passages: int) -> np.ndarray:
    """Questions embedded, plus the stored vectors of some passages picked with a fixed seed."""
    from ingest.store import open_client, passages_collection, read_all

    vectors = [embedder.embed(list(questions))] if questions else []
    if random_passages:
        records = read_all(passages_collection(open_client(index)), ("embeddings",))
        stored = np.vstack(records.embeddings) if records.ids else np.zeros((0, 384), np.float32)
        rows = random.Random(20250807).sample(range(len(stored)), min(random_passages, len(stored)))
        vectors.append(stored[sorted(rows)])
    return np.concatenate(vectors) if vectors else np.zeros((0, 384), dtype=np.float32)
