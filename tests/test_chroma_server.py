"""Server mode: ingest and ask through a real `chroma run` server on 127.0.0.1, across a restart.

The server is its own process; the `assistant` commands run in this one (click's CliRunner)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from click.testing import Result

from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from ingest.store import open_client, passages_collection
from tests.conftest import CORPUS, run_cli

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.subprocess
MISSION = "Who carried out the 2025 report?"


class ChromaServer:
    """`chroma run` on a free loopback port over a temporary folder; restartable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The child holds its own copy of the log's descriptor; ours is closed once it has started.
        with (self.path.parent / "chroma.log").open("ab") as log:
            self.process = self._spawn(log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.path.parent / "chroma.log").read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail("Chroma server did not answer its heartbeat within 60 s")

    def _spawn(self, log: BinaryIO) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(BIN / "chroma"),
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "ANONYMIZED_TELEMETRY": "False", "HOME": str(self.path.parent)},
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    chroma = ChromaServer(tmp_path / "chroma-data")
    try:
        chroma.start()
        yield chroma
    finally:
        chroma.stop()


def _run(*args: str, port: int, home: Path) -> Result:
    env = {
        "ASSISTANT_INDEX_DIR": str(home / "no-local-index"),
        "ASSISTANT_CHROMA_HOST": "127.0.0.1",
        "ASSISTANT_CHROMA_PORT": str(port),
    }
    return run_cli(*args, env=env)


def _ask_through(port: int, corpus: Path) -> None:
    assistant = create_assistant(
        Settings(index={"corpus_dir": corpus, "chroma_host": "127.0.0.1", "chroma_port": port})
    )
    answer = assistant.ask(MISSION)
    assert answer.answered and "Steve Walker" in answer.text
    assert answer.citations
    for c in answer.citations:
        assert (corpus / c.source).read_text(encoding="utf-8")[c.start : c.end] == c.quote


def _passage_ids(port: int) -> set[str]:
    return set(passages_collection(open_client(Path("unused"), "127.0.0.1", port)).get(include=[])["ids"])


def test_ingest_and_ask_through_a_chroma_server_survive_a_restart(
    server: ChromaServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)

    before = _run("ask", MISSION, port=server.port, home=tmp_path)
    assert before.exit_code == 1 and "No index on the Chroma server" in before.stderr, before.stderr
    assert "Traceback" not in before.stderr

    ingested = _run("ingest", "--corpus", str(corpus), "--json", port=server.port, home=tmp_path)
    assert ingested.exit_code == 0, ingested.stderr
    summary = json.loads(ingested.stdout)
    assert summary["files"] == 5 and summary["skipped"] == []
    local = tmp_path / "no-local-index"
    assert not (local / "chroma.sqlite3").exists(), "server mode must not write a local store"
    # Only the chat's cache files: each document version's vectors and parses.
    assert sorted(p.name for p in local.iterdir()) == ["parses", "vectors"]
    assert len(list((local / "vectors").glob("*.npy"))) == len(list((local / "parses").glob("*.parses"))) == 5
    ids = _passage_ids(server.port)
    assert len(ids) == summary["passages"] > 50
    _ask_through(server.port, corpus)

    server.stop()
    server.start()
    assert _passage_ids(server.port) == ids
    _ask_through(server.port, corpus)

    server.stop()
    down = _run("ask", MISSION, port=server.port, home=tmp_path)
    assert down.exit_code == 1 and "Cannot reach the Chroma server" in down.stderr, down.stderr
    assert "Traceback" not in down.stderr
