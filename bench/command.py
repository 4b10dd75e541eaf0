"""`run_bench` (every measurement in one run, one JSON object) and the click `bench` command.

Sets up the offline environment and network guard, the working folders and the embedder,
then calls the measurements of `corpus`, `ingest`, `asking` and `serving` in order and
collects their figures. It measures nothing itself; the table comes from `report`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from assistant.core.settings import Settings
from bench.asking import (
    PYTHON_DOC_QUESTIONS,
    eval_questions,
    measure_ask,
    measure_recall,
    recall_queries,
)
from bench.corpus import (
    BUNDLED_CORPUS,
    FULL_PASSAGES,
    QUICK_PASSAGES,
    build_corpus,
    corpus_texts,
    ensure_doc_sources,
)
from bench.ingest import (
    OurIngest,
    load_llamaindex_embedding,
    measure_embed,
    measure_ingest,
    measure_llamaindex,
    measure_llamaindex_same_work,
    measure_reingest,
    warm_up,
)
from bench.report import scale_table, table
from bench.runtime import log, no_network, offline_environment
from bench.scale import SCALE_PASSAGES, run_scale
from bench.serving import measure_serve


def run_bench(
    quick: bool = False,
    *,
    work: Path | None = None,
    large_source: Path | None = None,
    min_passages: int | None = None,
    bundled_corpus: Path = BUNDLED_CORPUS,
    llamaindex: bool = True,
    serve: bool = True,
    large_questions: Sequence[tuple[str, Sequence[str]]] | None = None,
    bundled_questions: Sequence[tuple[str, Sequence[str]]] | None = None,
    recall_random: int = 50,
) -> dict[str, Any]:
    """Every measurement in one run; returns the JSON object (`ratios` holds the headline figures)."""
    offline_environment()
    from assistant.core.readers import settings_embedder
    from ingest.embedder import load_embedder

    base = Settings()
    with contextlib.ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-bench-")))
        guard = stack.enter_context(no_network())
        target = min_passages if min_passages is not None else (QUICK_PASSAGES if quick else FULL_PASSAGES)
        source = large_source or ensure_doc_sources()
        log(f"copying a corpus of >= {target} passages from {source}")
        subset = build_corpus(source, work / "large" / "corpus", target)
        log(f"{len(subset.files)} of {subset.available_files} files, {subset.passages} passages")

        log(f"loading the embedder ({base.embedding.kind}) and the PyTorch reference encoder (not timed)")
        embedder = settings_embedder(base)
        reference = load_embedder(base.embedding.model_path, base.embedding.embed_batch_size, "torch")
        for model in (embedder, reference):
            model.embed(["warm up the encoder"])

        large_corpus, large_index = work / "large" / "corpus", work / "large" / "index"
        texts = corpus_texts(large_corpus)
        log("warming up the encoder on every 8th passage by length (not timed)")
        warm_up(embedder, texts)
        warm_up(reference, texts)
        log("ingest: our pipeline")
        ours = measure_ingest(OurIngest(large_corpus, large_index, embedder))
        log(f"  {ours['passages']} passages in {ours['seconds']:.1f} s")
        log("ingest: raw encoder (SentenceTransformer.encode on PyTorch) on the same passages")
        encoder = measure_embed(texts, reference)
        log(f"  {encoder['passages']} passages in {encoder['seconds']:.1f} s")
        log(f"ingest: our embedder ({embedder.name}) alone on the same passages")
        own = measure_embed(texts, embedder)
        log(f"  {own['passages']} passages in {own['seconds']:.1f} s")
        li: dict[str, Any] | None = None
        same: dict[str, Any] | None = None
        if llamaindex:
            log("ingest: LlamaIndex doing the same work (IngestionPipeline, SentenceSplitter sized to our")
            log("  passage count, the same MiniLM through HuggingFaceEmbedding, ChromaVectorStore)")
            li_embedding = load_llamaindex_embedding(base.embedding.embed_batch_size)
            li_embedding.get_text_embedding_batch(["warm up the encoder"])
            same = measure_llamaindex_same_work(
                large_corpus, work / "llamaindex" / "same", li_embedding, ours["passages"]
            )
            log(
                f"  {same['passages']} passages ({same['chunk_size_tokens']} tokens) "
                f"in {same['seconds']:.1f} s"
            )
            log("ingest: LlamaIndex default pipeline (footnote; embedder loaded beforehand, not timed)")
            li = measure_llamaindex(large_corpus, work / "llamaindex" / "index", load_llamaindex_embedding())
            log(f"  {li['chunks']} chunks in {li['seconds']:.1f} s")

        log("re-ingest: nothing changed, then one file changed")
        reingest = measure_reingest(OurIngest(large_corpus, large_index, embedder))

        log("recall@10 of the HNSW index against brute force")
        questions_large = list(large_questions if large_questions is not None else _large_questions())
        queries = recall_queries(
            large_index,
            embedder,
            [q for q, _ in questions_large] + [q for q, _ in eval_questions()][:30],
            recall_random,
        )
        recall = measure_recall(large_index, queries)

        log("ask latency on the large index")
        large_settings = Settings(
            index={"corpus_dir": large_corpus, "index_dir": large_index, "data_dir": work / "large" / "data"}
        )
        ask_large = measure_ask(large_settings, questions_large)

        log("ingest the bundled corpus and time ask on it")
        bundled = work / "bundled"
        shutil.copytree(bundled_corpus, bundled / "corpus")
        bundled_ingest = measure_ingest(OurIngest(bundled / "corpus", bundled / "index", embedder))
        bundled_settings = Settings(
            index={
                "corpus_dir": bundled / "corpus",
                "index_dir": bundled / "index",
                "data_dir": bundled / "data",
            }
        )
        ask = measure_ask(bundled_settings, list(bundled_questions or eval_questions()))

        served: dict[str, Any] | None = None
        if serve:
            log("cold start of `assistant serve` until its first answer")
            served = measure_serve(bundled_settings)

    ratios: dict[str, Any] = {
        "ingest_vs_encoder": encoder["seconds"] / ours["seconds"],
        "ingest_vs_own_encoder": own["seconds"] / ours["seconds"],
        "llamaindex_same_work_ratio": (
            ours["passages_per_s"] / same["passages_per_s"] if same and same["passages_per_s"] else None
        ),
        "ingest_vs_llamaindex_default": li["seconds"] / ours["seconds"] if li else None,
        "ask_p50_ms": ask["p50_ms"],
        "ask_p95_ms": ask["p95_ms"],
        "ask_large_p50_ms": ask_large["p50_ms"],
        "ask_large_p95_ms": ask_large["p95_ms"],
        "reingest_noop_s": reingest["reingest_noop_s"],
        "reingest_one_changed_s": reingest["reingest_one_changed_s"],
        "hnsw_recall_at_10": recall["recall_at_k"],
        "cold_start_s": served["cold_start_s"] if served else None,
        "serve_rss_mb": served["serve_rss_mb"] if served else None,
    }
    return {
        "ratios": ratios,
        "mode": "quick" if quick else "full",
        "corpus": {
            "source": str(source),
            "files": len(subset.files),
            "available_files": subset.available_files,
            "passages": subset.passages,
            "capped": subset.capped,
            "note": (
                f"capped to a deterministic subset (files ordered by the SHA-1 of their path) of "
                f">= {target} passages: the whole corpus would take far longer than 15 minutes to embed"
                if subset.capped
                else "whole corpus"
            ),
        },
        "ingest": {
            "ours": ours,
            "encoder": encoder,
            "own_encoder": own,
            "llamaindex_same_work": same,
            "llamaindex_default": li,
        },
        "reingest": reingest,
        "recall": recall,
        "ask_bundled": ask,
        "ask_large": ask_large,
        "bundled_ingest": bundled_ingest,
        "serve": served,
        "network_attempts": guard.attempts,
        "encoder": embedder.name,
        "machine": {"cpus": os.cpu_count(), "torch_threads": _torch_threads()},
    }


def _large_questions() -> list[tuple[str, tuple[str, ...]]]:
    return [(q, ()) for q in PYTHON_DOC_QUESTIONS]


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


@click.command("bench")
@click.option("--quick", is_flag=True, help=f"A corpus of about {QUICK_PASSAGES} passages (a few minutes).")
@click.option(
    "--json",
    "json_out",
    is_flag=False,
    flag_value="-",
    default=None,
    metavar="[PATH]",
    help="Print the figures as one JSON object (or write them to PATH).",
)
@click.option(
    "--passages",
    type=int,
    default=None,
    help=f"Minimum passages of the large corpus (default {FULL_PASSAGES}).",
)
@click.option("--no-llamaindex", is_flag=True, help="Skip the LlamaIndex comparison.")
@click.option("--no-serve", is_flag=True, help="Skip the `assistant serve` cold start.")
@click.option(
    "--scale",
    is_flag=True,
    help=f"One index of >= {SCALE_PASSAGES:,} passages (python3.11-doc + linux-doc + the bundled "
    "corpus; --passages changes the size): ingest, re-ingest, index size, ask, recall, serve. "
    "Takes 20-40 minutes on 2 cores.",
)
def bench(
    quick: bool,
    json_out: str | None,
    passages: int | None,
    no_llamaindex: bool,
    no_serve: bool,
    scale: bool,
) -> None:
    """Measure ingest throughput, re-ingest, ask latency, HNSW recall and serve cold start.

    Figures are printed next to their targets and never fail the command.
    """
    if scale:
        result = run_scale(
            min_passages=passages or SCALE_PASSAGES, serve=not no_serve, shared_server=not no_serve
        )
        report = scale_table(result)
    else:
        result = run_bench(quick, min_passages=passages, llamaindex=not no_llamaindex, serve=not no_serve)
        report = table(result)
    text = json.dumps(result, indent=2, default=str)
    if json_out == "-":
        click.echo(report, err=True)
        click.echo(text)
        return
    click.echo(report)
    if json_out:
        Path(json_out).write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}", err=True)


if __name__ == "__main__":
    bench()
