"""A served chat keeps answering while another process re-ingests, and adopts the new version.

Two real processes, as in the README's workflow: `assistant serve` on an embedded index, and
`assistant ingest` run beside it after a document was edited and another added. Thirty
clients ask through the served `/ask` API the whole time. Every answer must come whole from
one version of the index (each returned passage an exact slice of the old texts, or each of the
new), none may fail, and the new document must be answerable within seconds of the ingest.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.core.library import Library
from bench.serving import free_port, raise_if_exited, serve_command, stop_process
from ingest.store import reopen_client

ASSISTANT = str(Path(sys.executable).with_name("assistant"))
CLIENTS = 30
EDITED = "001_2ecfe923766d58f8.txt"
ADDED = "zz_added_while_serving.txt"
ADDED_TEXT = "Llanfair Library reopened in spring 2026 after the roof over its reading room was replaced.\n"
NEW_QUESTION = "Which library reopened after its roof was replaced?"
QUESTIONS = [
    "Who carried out the 2025 report?",
    "What did the report say about staff?",
    "How many recommendations does the report make?",
    "What did the inspectors find in October 2018?",
    NEW_QUESTION,
]


def _env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_CORPUS_DIR": str(root / "corpus"),
        "ASSISTANT_INDEX_DIR": str(root / "index"),
        "ASSISTANT_DATA_DIR": str(root / "data"),
    }


def _ingest(root: Path) -> None:
    done = subprocess.run(
        [ASSISTANT, "ingest", "--quiet"], env=_env(root), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _texts(index: Path) -> dict[str, str]:
    library = Library.from_index(reopen_client(index))  # this process read the index before
    return {doc_id: document.text for doc_id, document in library.documents.items()}


def _client(url: str) -> Any:
    from gradio_client import Client

    with contextlib.redirect_stdout(sys.stderr):
        return Client(url, verbose=False)


def _consistent(answer: dict[str, Any], texts: dict[str, str]) -> bool:
    """Every passage and citation of `answer` is an exact slice of `texts`."""
    spans = [(p["source"], p["start"], p["end"], p["text"]) for p in answer["passages"]]
    spans += [(c["source"], c["start"], c["end"], c["quote"]) for c in answer["citations"]]
    return all(source in texts and texts[source][start:end] == text for source, start, end, text in spans)


@pytest.fixture
def served(ingested_copy: tuple[Path, Path]) -> Any:
    """The bundled corpus, ingested (a copy of the session's index), served by `assistant serve` in
    its own process."""
    root = ingested_copy[0].parent  # corpus/ and index/ side by side, as _env() expects
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(serve_command(port), env=_env(root), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            raise_if_exited(process, log)
            try:
                _client(url).predict(QUESTIONS[0], api_name="/ask")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield root, url, log
    finally:
        stop_process(process, 10)
        log.close()


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_served_chat_adopts_a_reingest_by_another_process_without_an_error(served: Any) -> None:
    root, url, log = served
    old_texts = _texts(root / "index")
    answers: list[dict[str, Any]] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def keep_asking(offset: int) -> None:
        try:
            client = _client(url)
        except Exception as error:  # a client that cannot connect is an error too
            with lock:
                errors.append(f"connect: {type(error).__name__}: {error}")
            return
        turn = offset
        while not stop.is_set():
            question = QUESTIONS[turn % len(QUESTIONS)]
            turn += 1
            try:
                answer = client.predict(question, api_name="/ask")
            except Exception as error:
                with lock:
                    errors.append(f"{question!r}: {type(error).__name__}: {error}")
                continue
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=keep_asking, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while len(answers) < CLIENTS and not errors and time.monotonic() < deadline:
        time.sleep(0.2)  # clients asking on the old version before the documents change
    before = len(answers)

    edited = root / "corpus" / EDITED
    edited.write_text("Editor's note: this article was updated.\n\n" + edited.read_text(encoding="utf-8"))
    (root / "corpus" / ADDED).write_text(ADDED_TEXT, encoding="utf-8")
    _ingest(root)
    ingested_at = time.monotonic()

    checker = _client(url)
    adopted_after: float | None = None
    while time.monotonic() - ingested_at < 30:
        answer = checker.predict(NEW_QUESTION, api_name="/ask")
        if any(c["source"] == ADDED for c in answer["citations"]) and answer["answered"]:
            adopted_after = time.monotonic() - ingested_at
            break
        time.sleep(0.2)
    time.sleep(2)  # keep asking on the new version for a while
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    new_texts = _texts(root / "index")
    assert old_texts[EDITED] != new_texts[EDITED] and ADDED in new_texts and ADDED not in old_texts
    log.seek(0)
    assert errors == [], log.read().decode("utf-8", "replace")[-3000:]
    assert before > 0 and len(answers) > before
    mixed = [a for a in answers if not _consistent(a, old_texts) and not _consistent(a, new_texts)]
    assert mixed == []
    assert adopted_after is not None, "the added document never became answerable"
    assert adopted_after < 10
    on_new = [a for a in answers if _consistent(a, new_texts) and not _consistent(a, old_texts)]
    assert on_new, "no client was answered on the new version"
