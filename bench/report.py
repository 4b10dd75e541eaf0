"""The bench's readable report: raw figures, then the headline figures next to their targets.

Targets are shown (met or not) and never fail the command. It measures nothing; the JSON
output is the result dict itself, printed by the command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (key, target text, check) for the readable table; checks never fail the command.
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "ingest_vs_encoder": (">= 0.9", lambda v: v >= 0.9),
    "llamaindex_same_work_ratio": (">= 1.5", lambda v: v >= 1.5),
    "reingest_noop_s": ("< 1", lambda v: v < 1),
    "ask_p50_ms": ("<= 50", lambda v: v <= 50),
    "ask_p95_ms": ("<= 150", lambda v: v <= 150),
    "ask_large_p50_ms": ("<= 100", lambda v: v <= 100),
    "hnsw_recall_at_10": (">= 0.99", lambda v: v >= 0.99),
    "cold_start_s": ("<= 5", lambda v: v <= 5),
    "serve_rss_mb": ("<= 1500", lambda v: v <= 1500),
}


def table(result: dict[str, Any]) -> str:
    """The readable report: raw figures, then the headline figures next to their targets."""
    ingest = result["ingest"]
    ours, encoder, li = ingest["ours"], ingest["encoder"], ingest["llamaindex_default"]
    corpus = result["corpus"]
    lines = [
        f"Corpus: {corpus['files']} of {corpus['available_files']} files of {corpus['source']}, "
        f"{corpus['passages']} passages ({corpus['note']})",
        f"Ingest, ours:        {ours['passages']:>6} passages {ours['seconds']:8.1f} s "
        f"{ours['passages_per_s']:8.1f} passages/s ({result.get('encoder', '')})",
        f"Encoder only:        {encoder['passages']:>6} passages {encoder['seconds']:8.1f} s "
        f"{encoder['passages_per_s']:8.1f} passages/s (SentenceTransformer.encode, batch "
        f"{encoder['batch_size']})",
    ]
    own = ingest.get("own_encoder")
    if own:
        lines.append(
            f"Our embedder only:   {own['passages']:>6} passages {own['seconds']:8.1f} s "
            f"{own['passages_per_s']:8.1f} passages/s ({own['encoder']}, batch {own['batch_size']})"
        )
    same = ingest.get("llamaindex_same_work")
    if same:
        lines.append(
            f"LlamaIndex, same:    {same['passages']:>6} passages {same['seconds']:8.1f} s "
            f"{same['passages_per_s']:8.1f} passages/s (IngestionPipeline, SentenceSplitter "
            f"{same['chunk_size_tokens']} tokens, HuggingFaceEmbedding batch {same['embed_batch_size']}, "
            "ChromaVectorStore)"
        )
    if li:
        lines.append(
            f"LlamaIndex default (footnote):  {li['chunks']:>6} chunks   {li['seconds']:8.1f} s "
            f"(SentenceSplitter {li['chunk_size_tokens']} tokens, embed batch {li['embed_batch_size']}; "
            f"{li['tokenizer']})"
        )
    ask, ask_large = result["ask_bundled"], result["ask_large"]
    nan = float("nan")
    lines.append(
        f"Ask, bundled: {ask['questions']} questions; cached second pass p50 "
        f"{ask.get('cached_p50_ms', nan):.1f} ms, p95 {ask.get('cached_p95_ms', nan):.1f} ms; "
        f"repeated question (answer cache) p50 {ask.get('answer_cache_p50_ms', nan):.2f} ms"
    )
    lines.append(f"Ask, large: {ask_large['questions']} questions; max {ask_large['max_ms']:.1f} ms")
    recall = result["recall"]
    lines.append(
        f"Recall: {recall['queries']} queries over {recall['stored_vectors']} vectors, "
        f"min {recall['min_recall']:.2f}"
    )
    served = result.get("serve")
    if served:
        lines.append(f"Serve: endpoint {served['endpoint']}, HTTP up after {served['http_up_s']:.1f} s")
    lines.append(f"Network attempts blocked: {len(result['network_attempts'])}")
    lines.append("")
    return "\n".join(lines) + "\n" + _figures(result["ratios"], TARGETS)


SCALE_TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "scale_passages": (">= 100000", lambda v: v >= 100_000),
    "scale_reingest_one_changed_s": ("<= 5", lambda v: v <= 5),
    "scale_ask_p50_ms": ("<= 50", lambda v: v <= 50),
    "scale_ask_p95_ms": ("<= 150", lambda v: v <= 150),
    "scale_ask_large_p50_ms": ("<= 50", lambda v: v <= 50),
    "scale_ask_large_p95_ms": ("<= 150", lambda v: v <= 150),
    "scale_hnsw_recall_at_10": (">= 0.99", lambda v: v >= 0.99),
    "scale_serve_start_s": ("<= 10", lambda v: v <= 10),
    "scale_serve_first_start_s": ("<= 10", lambda v: v <= 10),
    "scale_serve_rss_mb": ("<= 1024", lambda v: v <= 1024),
    "scale_shared_server_chat_restart_s": ("<= 10", lambda v: v <= 10),
    "scale_shared_server_chat_rss_mb": ("<= 1024", lambda v: v <= 1024),
}


def scale_table(result: dict[str, Any]) -> str:
    """The readable report of `bench --scale`: the corpus, then each figure next to its target."""
    corpus, recall = result["corpus"], result["recall"]
    lines = [
        f"Corpus: bundled + {corpus['python_files']} python3.11-doc + {corpus['linux_files']} linux-doc "
        f"files, {corpus['words']:,} words, {corpus['counted_passages']:,} passages counted",
        f"Recall: {recall['queries']} queries over {recall['stored_vectors']} vectors, "
        f"min {recall['min_recall']:.2f}",
        f"Network attempts blocked: {len(result['network_attempts'])}",
        "",
    ]
    return "\n".join(lines) + "\n" + _figures(result["ratios"], SCALE_TARGETS)


def _figures(ratios: dict[str, Any], targets: dict[str, tuple[str, Callable[[float], bool]]]) -> str:
    lines = [f"{'figure':<30} {'value':>12}  {'target':<10} met"]
    for key, value in ratios.items():
        target, check = targets.get(key, ("", None))
        shown = "n/a" if value is None else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        met = "" if value is None or check is None else ("yes" if check(value) else "NO")
        lines.append(f"{key:<30} {shown:>12}  {target:<10} {met}")
    return "\n".join(lines)
