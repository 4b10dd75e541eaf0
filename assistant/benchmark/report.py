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
    "ingest_vs_llamaindex_default": (">= 1.5", lambda v: v >= 1.5),
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
    if li:
        lines.append(
            f"LlamaIndex default:  {li['chunks']:>6} chunks   {li['seconds']:8.1f} s "
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
    lines.append(f"{'figure':<30} {'value':>12}  {'target':<10} met")
    for key, value in result["ratios"].items():
        target, check = TARGETS.get(key, ("", None))
        shown = "n/a" if value is None else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        met = "" if value is None or check is None else ("yes" if check(value) else "NO")
        lines.append(f"{key:<30} {shown:>12}  {target:<10} {met}")
    return "\n".join(lines)
