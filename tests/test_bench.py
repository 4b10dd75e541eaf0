"""Smoke test of the bench: every measurement on a tiny corpus, figures checked for shape, not speed."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.core.settings.paths import PROJECT_ROOT
from bench import command as bench
from bench import report

RATIO_KEYS = (
    "llamaindex_same_work_ratio",
    "ingest_vs_llamaindex_default",
    "ingest_vs_encoder",
    "ingest_vs_own_encoder",
    "ask_p50_ms",
    "ask_p95_ms",
    "ask_large_p50_ms",
    "reingest_noop_s",
    "reingest_one_changed_s",
    "hnsw_recall_at_10",
)


def test_bench_functions_on_a_tiny_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
        serve=False,
        large_questions=questions,
        bundled_questions=questions,
        recall_random=5,
    )
    assert capsys.readouterr().out == ""  # stdout is left to `--json`'s JSON
    result = json.loads(json.dumps(result, default=str))  # what --json prints

    ratios = result["ratios"]
    for key in RATIO_KEYS:
        assert isinstance(ratios[key], (int, float)) and math.isfinite(ratios[key]), key
    for key in ("cold_start_s", "serve_rss_mb"):
        assert key in ratios  # skipped here: None
    same = result["ingest"]["llamaindex_same_work"]
    assert 0.9 <= same["passages"] / result["ingest"]["ours"]["passages"] <= 1.1  # the same work
    assert same["stored"] == same["passages"]  # every node embedded and written to Chroma
    assert result["corpus"]["files"] == 1 and result["corpus"]["capped"]
    assert result["ingest"]["ours"]["passages"] == result["ingest"]["encoder"]["passages"] > 0
    assert result["reingest"]["noop_embedded_passages"] == 0
    assert not result["reingest"]["noop_model_requested"]
    assert result["reingest"]["one_changed_embedded_passages"] > 0
    assert result["recall"]["queries"] == len(questions) + 30 + 5
    assert 0.0 <= ratios["hnsw_recall_at_10"] <= 1.0
    assert result["network_attempts"] == []
    assert "hnsw_recall_at_10" in report.table(result)


def test_json_option_takes_a_path_or_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = {
        "ratios": {key: 1.0 for key in (*RATIO_KEYS, "cold_start_s", "serve_rss_mb")},
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


# What `ask` and `ingest` must never load: the web stack (seconds of start-up, ~100 MB).
WEB_MODULES = ("gradio", "gradio_client", "fastapi", "uvicorn", "starlette")

_RUN_AND_LIST_MODULES = """
import json, sys
from assistant.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _modules_loaded_by(*args: str) -> set[str]:
    """Top-level modules a real `assistant ARGS` process had loaded when it finished."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.subprocess  # a fresh process for each command: what it imports is the point
def test_ask_and_ingest_do_not_import_the_web_stack(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "minutes.txt").write_text(
        "Minutes of the roads committee.\n\nThe committee approved a new bridge at Llanidloes. "
        "Work on the bridge starts in March and costs four million pounds.\n",
        encoding="utf-8",
    )

    ingested = _modules_loaded_by("ingest", "--corpus", str(corpus), "--index", str(index), "--quiet")
    asked = _modules_loaded_by("ask", "When does work on the bridge start?", "--json")

    assert "ingest" in ingested and "chromadb" in asked  # the commands really ran
    assert not ingested & set(WEB_MODULES), sorted(ingested & set(WEB_MODULES))
    assert not asked & set(WEB_MODULES), sorted(asked & set(WEB_MODULES))


SCALE_KEYS = (
    "scale_passages",
    "scale_ingest_s",
    "scale_ingest_passages_per_s",
    "scale_index_mb",
    "scale_reingest_noop_s",
    "scale_reingest_one_changed_s",
    "scale_ask_p50_ms",
    "scale_ask_p95_ms",
    "scale_ask_large_p50_ms",
    "scale_ask_large_p95_ms",
    "scale_hnsw_recall_at_10",
)


def _prose(topic: str, sentences: int) -> str:
    return " ".join(
        f"The {topic} guide explains step {n} of setting up the {topic}." for n in range(sentences)
    )


def test_scale_bench_on_tiny_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    from bench.scale import run_scale

    python_docs, linux_docs, bundled = tmp_path / "python", tmp_path / "linux", tmp_path / "bundled"
    (python_docs / "library").mkdir(parents=True)
    (python_docs / "library" / "json.rst.txt").write_text(_prose("json module", 12), encoding="utf-8")
    (linux_docs / "admin-guide").mkdir(parents=True)
    (linux_docs / "admin-guide" / "cgroups.rst.gz").write_bytes(gzip.compress(_prose("cgroup", 12).encode()))
    (linux_docs / "admin-guide" / "bindings.yaml.gz").write_bytes(gzip.compress(b"compatible: x\n"))
    bundled.mkdir()
    (bundled / "minutes.txt").write_text(
        "The committee approved a new bridge at Llanidloes. Work starts in March.\n", encoding="utf-8"
    )

    result = run_scale(
        work=tmp_path / "work",
        min_passages=10_000,  # more than there is: every prose file is taken
        python_docs=python_docs,
        linux_docs=linux_docs,
        bundled_corpus=bundled,
        serve=False,
        shared_server=False,
        bundled_questions=[("When does work on the bridge start?", ())],
        large_questions=["What does the json module guide explain?"],
        drawn=2,
        recall_random=3,
    )
    assert capsys.readouterr().out == ""  # stdout is left to `--json`'s JSON
    result = json.loads(json.dumps(result, default=str))  # what --json prints

    figures = result["ratios"]
    for key in SCALE_KEYS:
        assert isinstance(figures[key], (int, float)) and math.isfinite(figures[key]), key
    assert figures["scale_serve_start_s"] is None and figures["scale_serve_rss_mb"] is None  # skipped
    assert result["corpus"]["python_files"] == 1 and result["corpus"]["linux_files"] == 1  # yaml left out
    assert (
        (tmp_path / "work" / "corpus" / "linux" / "admin-guide" / "cgroups.rst.txt")
        .read_text()
        .startswith("The cgroup guide")
    )  # decompressed
    assert figures["scale_passages"] == result["corpus"]["counted_passages"] > 0
    assert result["reingest"]["noop_embedded_passages"] == 0
    assert result["reingest"]["one_changed_embedded_passages"] > 0
    assert figures["scale_index_mb"] > 0
    assert result["ask_large"]["drawn_from_corpus"] == 2
    assert result["network_attempts"] == []
    assert "scale_hnsw_recall_at_10" in report.scale_table(result)


def test_scale_option_prints_the_scale_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {"ratios": {key: 1.0 for key in SCALE_KEYS}}
    seen: dict[str, object] = {}

    def fake_scale(**kwargs: object) -> dict[str, dict[str, float]]:
        seen.update(kwargs)
        return fake

    monkeypatch.setattr(bench, "run_scale", fake_scale)
    monkeypatch.setattr(bench, "run_bench", lambda *args, **kwargs: pytest.fail("not the scale bench"))
    monkeypatch.setattr(bench, "scale_table", lambda result: "SCALE TABLE")

    printed = CliRunner().invoke(bench.bench, ["--scale", "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["ratios"]["scale_hnsw_recall_at_10"] == 1.0
    assert "SCALE TABLE" in printed.stderr
    assert seen["min_passages"] == 100_000
