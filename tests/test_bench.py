"""Smoke test of the bench: every measurement on a tiny corpus, figures checked for shape, not speed."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from click.testing import CliRunner

from assistant.benchmark import command as bench
from assistant.settings import PROJECT_ROOT

RATIO_KEYS = (
    "ingest_vs_encoder",
    "ingest_vs_own_encoder",
    "ask_p50_ms",
    "ask_p95_ms",
    "ask_large_p50_ms",
    "reingest_noop_s",
    "reingest_one_changed_s",
    "hnsw_recall_at_10",
)


def test_bench_functions_on_a_tiny_corpus(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(PROJECT_ROOT / "corpus", source, ignore=shutil.ignore_patterns("*.json"))
    questions = [
        ("Who carried out the 2025 report?", ()),
        ("What did he say about staff?", ("Who carried out the 2025 report?",)),
    ]

    result = bench.run_bench(
        work=tmp_path / "work",
        large_source=source,
        min_passages=1,  # the first file of the fixed order is enough
        llamaindex=False,
        serve=False,
        large_questions=questions,
        bundled_questions=questions,
        recall_random=5,
    )
    result = json.loads(json.dumps(result, default=str))  # what --json prints

    ratios = result["ratios"]
    for key in RATIO_KEYS:
        assert isinstance(ratios[key], (int, float)) and math.isfinite(ratios[key]), key
    for key in ("ingest_vs_llamaindex_default", "cold_start_s", "serve_rss_mb"):
        assert key in ratios  # skipped here: None
    assert result["corpus"]["files"] == 1 and result["corpus"]["capped"]
    assert result["ingest"]["ours"]["passages"] == result["ingest"]["encoder"]["passages"] > 0
    assert result["reingest"]["noop_embedded_passages"] == 0
    assert not result["reingest"]["noop_model_requested"]
    assert result["reingest"]["one_changed_embedded_passages"] > 0
    assert result["recall"]["queries"] == len(questions) + 30 + 5
    assert 0.0 <= ratios["hnsw_recall_at_10"] <= 1.0
    assert result["network_attempts"] == []
    assert "hnsw_recall_at_10" in bench.table(result)


def test_json_option_takes_a_path_or_nothing(monkeypatch, tmp_path: Path) -> None:
    fake = {
        "ratios": {
            key: 1.0 for key in (*RATIO_KEYS, "ingest_vs_llamaindex_default", "cold_start_s", "serve_rss_mb")
        },
    }
    monkeypatch.setattr(bench, "run_bench", lambda *args, **kwargs: fake)
    monkeypatch.setattr(bench, "table", lambda result: "TABLE")
    runner = CliRunner()

    printed = runner.invoke(bench.bench, ["--json", "--quick"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["ratios"]["hnsw_recall_at_10"] == 1.0

    path = tmp_path / "bench.json"
    written = runner.invoke(bench.bench, ["--quick", "--json", str(path)])
    assert written.exit_code == 0, written.output
    assert json.loads(path.read_text())["ratios"]["cold_start_s"] == 1.0
    assert "TABLE" in written.stdout
