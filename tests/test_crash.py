"""SIGKILL the ingest at deterministic points; the index keeps answering and the next run heals.

Kill points come from `tests/ingest_paused.py`, the ingest `assistant ingest --quiet` runs with a
stage hook: `--pause-at STAGE[:N]` makes it print "PAUSED AT ..." and sleep at the N-th time it
reaches STAGE, and the test kills it there:

- embed:1  the first changed file's passages are embedded, nothing of this run written;
- write:1  its new passages are written, its document record is not;
- clean:1  its record is written (new version live), its stale passages not yet deleted;
- write:2  the first file fully committed, the second (a new file) written but unrecorded.

A kill inside a single Chroma call is not covered here; each call is a SQLite transaction.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from assistant.core.library import Library
from assistant.core.readers import Readers
from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from assistant.core.settings.paths import PROJECT_ROOT
from ingest.embedder import Embedder
from ingest.store import documents_collection, open_client, passages_collection
from tests.conftest import CORPUS, ingest_folder

MISSION = "Who carried out the 2025 report?"
EDITED = "003_ca2cbad75c2c214d.txt"
ADDED = "005_added_after_first_ingest.txt"


def _edit(corpus: Path) -> None:
    """Change a sentence in the middle of one file (so it has stale passages), append one, add a file."""
    path = corpus / EDITED
    text = path.read_text(encoding="utf-8")
    assert "serious concerns" in text
    text = text.replace("serious concerns", "grave and serious concerns", 1)
    path.write_text(
        text + "\n\nThe council met again in March to review the improvement plan.\n", encoding="utf-8"
    )
    (corpus / ADDED).write_text(
        "Respite care update\n\nPowys opened a new respite home for disabled children in Newtown in 2024.\n",
        encoding="utf-8",
    )


def _ids_by_document(index: Path) -> dict[str, set[str]]:
    records = passages_collection(open_client(index)).get(include=["metadatas"])
    found: dict[str, set[str]] = {}
    for pid, meta in zip(records["ids"], records["metadatas"] or [], strict=True):
        found.setdefault(str(meta["document_id"]), set()).add(pid)
    return found


def _forget_open_stores() -> None:
    """Drop this process's cached Chroma systems so the next open reads what is on disk."""
    SharedSystemClient.clear_system_cache()


@pytest.fixture(scope="module")
def versions(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, corpus_settings: Settings
) -> dict[str, dict[str, set[str]]]:
    """Passage ids by document of the corpus before the edit (the session's fresh ingest of it)
    and of a fresh ingest after it."""
    after = tmp_path_factory.mktemp("versions")
    shutil.copytree(CORPUS, after / "corpus")
    _edit(after / "corpus")
    ingest_folder(after / "corpus", after / "index", embedder)
    return {
        "before": _ids_by_document(corpus_settings.index.index_dir),
        "after": _ids_by_document(after / "index"),
    }


def _ingest_until_paused(corpus: Path, index: Path, pause_at: str) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "HOME": str(index.parent),
        "ASSISTANT_INDEX_DIR": str(index),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest_paused", "--pause-at", pause_at, "--corpus", str(corpus)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,  # where `tests` is found
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if line.startswith("PAUSED AT"):
                break
            assert line or process.poll() is None, f"ingest ended without pausing (exit {process.poll()})"
        else:
            pytest.fail(f"ingest did not reach {pause_at} in time")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.subprocess
@pytest.mark.parametrize("pause_at", ["embed:1", "write:1", "clean:1", "write:2"])
def test_killed_ingest_leaves_a_working_index_and_the_next_run_completes(
    pause_at: str,
    ingested_copy: tuple[Path, Path],
    embedder: Embedder,
    readers: Readers,
    versions: dict[str, dict[str, set[str]]],
) -> None:
    corpus, index = ingested_copy
    original = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    _edit(corpus)
    _forget_open_stores()

    _ingest_until_paused(corpus, index, pause_at)
    _forget_open_stores()

    # The killed run left an index that answers: every document is exactly one version.
    assistant = create_assistant(Settings(index={"corpus_dir": corpus, "index_dir": index}), readers)
    library = assistant.library
    assert library.complete
    shown: dict[str, set[str]] = {}
    for item in library.passages:
        shown.setdefault(item.passage.document_id, set()).add(item.id)
    for name, ids in shown.items():
        assert ids in (versions["before"].get(name), versions["after"].get(name)), name
        text = library.documents[name].text
        assert text in (original.get(name), (corpus / name).read_text(encoding="utf-8")), name
    assert set(versions["before"]) <= set(shown)
    answer = assistant.ask(MISSION)
    assert answer.answered and "Steve Walker" in answer.text
    assert answer.citations
    for c in answer.citations:
        assert original[c.source][c.start : c.end] == c.quote

    # The next run completes: exactly the passages of a fresh ingest, none missing, none extra.
    summary = ingest_folder(corpus, index, embedder)
    assert summary.skipped == []
    assert _ids_by_document(index) == versions["after"]
    records = documents_collection(open_client(index)).get(include=[])
    assert sorted(records["ids"]) == sorted(versions["after"])
    assert summary.passages == sum(len(ids) for ids in versions["after"].values())
    healed = Library.from_index(open_client(index))
    assert healed.complete and len(healed.passages) == summary.passages


def test_questions_keep_working_while_ingest_rewrites_the_index(
    ingested_copy: tuple[Path, Path],
    embedder: Embedder,
    readers: Readers,
    versions: dict[str, dict[str, set[str]]],
) -> None:
    """A chat's Assistant asks in a thread, refreshing between questions, while ingest rewrites the
    index it reads; at the riskiest points (new passages written but unrecorded, record written but
    stale passages present) the ingest itself stops to let a question through."""
    import threading

    from ingest.pipeline import ingest_corpus

    corpus, index = ingested_copy
    original = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    assistant = create_assistant(Settings(index={"corpus_dir": corpus, "index_dir": index}), readers)
    errors: list[BaseException] = []
    asked = {"count": 0}
    stop = threading.Event()

    def ask_and_check() -> None:
        answer = assistant.ask(MISSION)
        assert answer.answered and "Steve Walker" in answer.text, answer.text
        for c in answer.citations:
            assert original[c.source][c.start : c.end] == c.quote
        asked["count"] += 1

    def chat() -> None:
        while not stop.is_set():
            try:
                assistant.refresh()
                ask_and_check()
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                errors.append(error)
                return

    seen: dict[str, set[str]] = {}

    def mid_ingest(stage: str, name: str) -> None:
        if name == EDITED and stage in ("write", "clean"):
            assistant.refresh()
            seen[stage] = {p.id for p in assistant.library.passages if p.passage.document_id == EDITED}
            ask_and_check()

    thread = threading.Thread(target=chat, daemon=True)
    thread.start()
    _edit(corpus)
    ingest_corpus(
        corpus,
        open_client(index),
        lambda: embedder,
        max_file_bytes=20_000_000,
        progress=False,
        stage_hook=mid_ingest,
    )
    time.sleep(0.5)
    stop.set()
    thread.join(timeout=120)
    assert not errors, errors
    assert asked["count"] >= 3
    assert seen == {"write": versions["before"][EDITED], "clean": versions["after"][EDITED]}
    assert assistant.refresh() in (True, False)
    assert {p.passage.document_id for p in assistant.library.passages} == set(versions["after"])
