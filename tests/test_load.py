"""The load script (`bench/load.py`) against the real app, served in this process: a short run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType

import pytest

from assistant.core.service import Assistant
from tests.live_app import running_app


@pytest.fixture(scope="module")
def load() -> ModuleType:
    from bench import load as script

    return script


@pytest.fixture(scope="module")
def app_url(assistant: Assistant) -> Iterator[str]:
    with running_app(assistant) as url:
        yield url


def test_short_run_has_no_errors_and_reports_every_figure(
    load: ModuleType, app_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = load.main(["--url", app_url, "--clients", "5", "--seconds", "5", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0, report["error_samples"]
    assert report["errors"] == 0 and report["error_samples"] == []
    assert report["ok"] == report["requests"] > 0
    assert report["clients"] == 5 and report["stragglers"] == 0
    assert report["throughput_rps"] > 0
    assert set(report["latency_ms"]) == {"p50", "p95", "p99", "mean", "max"}
    assert all(isinstance(report["latency_ms"][k], float) for k in ("p50", "p95", "p99"))
    assert {"url", "transport", "seconds", "elapsed_s", "setup_s"} <= set(report)


def test_the_table_names_every_figure(load: ModuleType, app_url: str) -> None:
    report = load.run_load(app_url, clients=2, seconds=1, questions=["Who carried out the 2025 report?"])
    assert report["errors"] == 0 and report["ok"] > 0
    table = load.format_table(report)
    for name in ("requests", "errors", "throughput", "p50", "p95", "p99"):
        assert name in table


def test_caps_are_enforced(load: ModuleType) -> None:
    from bench.load_report import percentile

    for argv in (
        ["--url", "x", "--clients", "201"],
        ["--url", "x", "--seconds", "601"],
        ["--url", "x", "--timeout", "31"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            load.main(argv)
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        load.main(["--clients", "5"])  # neither --url nor --serve
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert percentile([3.0, 1.0, 2.0, 4.0], 99) == 4.0
    assert percentile([], 95) is None
