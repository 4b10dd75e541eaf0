"""The `assistant` command as a user runs it, against a temporary index: through click's CliRunner
in this process (the installed command itself is run as a process by test_crash.py,
test_reingest_live.py and test_bench.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from assistant.core.settings import Settings
from tests.conftest import run_cli


def _run(*args: str, env_index: Path) -> Result:
    return run_cli(*args, env={"ASSISTANT_INDEX_DIR": str(env_index)})


def test_ask_json_prints_one_object_with_verified_citations(corpus_settings: Settings) -> None:
    result = _run(
        "ask", "Who carried out the 2025 report?", "--json", env_index=corpus_settings.index.index_dir
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) >= {"question", "query", "answer", "answered", "citations", "passages"}
    assert payload["answered"] is True and "Steve Walker" in payload["answer"]
    for c in payload["citations"]:
        assert set(c) >= {"n", "source", "title", "quote", "start", "end"}
        text = (corpus_settings.index.corpus_dir / c["source"]).read_text(encoding="utf-8")
        assert text[c["start"] : c["end"]] == c["quote"]
    assert all("score" in p for p in payload["passages"])


def test_ask_with_history_flag(corpus_settings: Settings) -> None:
    result = _run(
        "ask",
        "What did he say about staff?",
        "--history",
        "Who carried out the 2025 assurance report?",
        "--json",
        env_index=corpus_settings.index.index_dir,
    )
    assert result.exit_code == 0, result.stderr
    assert "Steve Walker" in json.loads(result.stdout)["query"]


def test_ingest_command_reports_a_summary_and_skips(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(Settings().index.corpus_dir, corpus)
    (corpus / "notes.xyz").write_text("x", encoding="utf-8")
    result = _run(
        "ingest",
        "--corpus",
        str(corpus),
        "--index",
        str(tmp_path / "index"),
        "--quiet",
        env_index=tmp_path / "unused",
    )
    assert result.exit_code == 3, result.stderr
    assert "5 files" in result.stdout and "1 skipped" in result.stdout
    assert "skipped notes.xyz: unsupported file type" in result.stderr


def test_empty_question_is_a_clear_error_not_a_traceback(corpus_settings: Settings) -> None:
    result = _run("ask", "   ", env_index=corpus_settings.index.index_dir)
    assert result.exit_code == 1
    assert "Please type a question" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    result = _run("ask", "Who?", env_index=tmp_path / "missing")
    assert result.exit_code == 1
    assert "assistant ingest" in result.stderr


def test_evals_gates_a_set_only_where_it_has_bounds(corpus_settings: Settings, tmp_path: Path) -> None:
    """evals/thresholds.json bounds named question sets; another file is reported, never gated, and
    --no-gate reports a gated set without failing."""
    dataset = tmp_path / "other.jsonl"
    row = {
        "id": "x1",
        "question": "Who carried out the 2025 report?",
        "answers": ["Nobody Known"],
        "sources": ["000_51ea0cfd4f2702f8.txt"],
        "answerable": True,
    }
    dataset.write_text(json.dumps(row) + "\n", encoding="utf-8")
    args = ("evals", "--mode", "hybrid", "--dataset", str(dataset))
    ungated = _run(*args, env_index=corpus_settings.index.index_dir)
    assert ungated.exit_code == 0, ungated.stderr
    assert "answer_accuracy" in ungated.stdout and "Gate: not applied" in ungated.stdout


def test_evals_with_a_report_folder_compares_with_the_run_before(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    """The first run keeps its results in the report folder; the next one says what flipped."""
    dataset = tmp_path / "two.jsonl"
    rows = [
        {
            "id": "x1",
            "question": "Who carried out the 2025 report?",
            "answers": ["Steve Walker"],
            "sources": ["000_51ea0cfd4f2702f8.txt"],
            "answerable": True,
        },
        {
            "id": "x2",
            "question": "What is the price of a bus pass in Powys?",
            "answers": [],
            "sources": [],
            "answerable": False,
        },
    ]
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    reports = tmp_path / "reports"
    args = ("evals", "--mode", "hybrid", "--no-gate", "--dataset", str(dataset), "--report", str(reports))
    first = _run(*args, env_index=corpus_settings.index.index_dir)
    assert first.exit_code == 0, first.stderr
    assert "Changes since" not in first.stdout
    kept = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    kept["questions"][0]["problems"] = ["refused although the reports answer it"]  # as if x1 had failed
    (reports / "results.json").write_text(json.dumps(kept), encoding="utf-8")
    second = _run(*args, env_index=corpus_settings.index.index_dir)
    assert second.exit_code == 0, second.stderr
    assert "Changes since" in second.stdout and "now passing" in second.stdout and "x1" in second.stdout
    assert "now passing" in (reports / "report.md").read_text(encoding="utf-8")


def test_evals_all_refuses_to_compare_with_a_run_of_one_set_before_running_anything(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    """A one-set run has no per-question verdicts for every set: the user is told so at once."""
    one_set = tmp_path / "one.json"
    one_set.write_text(json.dumps({"metrics": {}, "questions": []}), encoding="utf-8")
    result = _run("evals", "--all", "--compare", str(one_set), env_index=corpus_settings.index.index_dir)
    assert result.exit_code == 1
    assert "is not the output of `assistant evals --all --json`" in result.stderr


@pytest.mark.subprocess
def test_the_command_imports_no_other_layer_until_a_command_needs_it() -> None:
    """`assistant ask` loads neither the web layer, the evals nor the bench; `bench
    --help` loads the bench. A fresh interpreter, so no earlier test has imported them."""
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from assistant.cli import cli\n"
        "CliRunner().invoke(cli, ['ask', '--help'])\n"
        "print(sorted({m.split('.')[0] if m.split('.')[0] != 'assistant' else '.'.join(m.split('.')[:2])"
        " for m in sys.modules if m.startswith(('assistant.web', 'evals', 'bench'))}))\n"
        "CliRunner().invoke(cli, ['bench', '--help'])\n"
        "print('bench' in sys.modules)\n"
    )
    command = [sys.executable, "-c", probe]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    first, second = result.stdout.splitlines()
    assert first == "[]"
    assert second == "True"
