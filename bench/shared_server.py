"""Two chat processes on one `chroma run` server: what each process holds, how long each takes to
start when both start at once (their caches empty: every vector is read through the server), how
fast each answers while the other answers too, and what the server itself holds.

Serves a copy of the bench's index, so the server never shares files with an embedded client.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings
from bench.runtime import OFFLINE_ENV
from bench.serving import Served, free_port, serve_environment, stop_process, tree_peak_kb

CHAT_PROCESSES = 2
HEARTBEAT_TIMEOUT_S = 120.0


def _start_chroma(path: Path, port: int, log_file: Any) -> subprocess.Popen[bytes]:
    chroma = Path(sys.executable).parent / "chroma"
    command = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=log_file, stderr=subprocess.STDOUT, env={**OFFLINE_ENV, "PATH": "/usr/bin:/bin"}
    )
    deadline = time.monotonic() + HEARTBEAT_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    stop_process(process, 10)
    raise RuntimeError(f"chroma run did not answer within {HEARTBEAT_TIMEOUT_S:.0f} s")


def _timed_answers(url: str, questions: Sequence[str], into: list[float]) -> None:
    """Ask each question through one client (as one browser tab), timing each round trip."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    for question in questions:
        started = time.perf_counter()
        client.predict(question, api_name="/ask")
        into.append((time.perf_counter() - started) * 1000)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def _ask_all_at_once(chats: Sequence[Served], questions: Sequence[str]) -> list[float]:
    """Each chat asked every question by its own client, all chats at once; every time in ms."""
    latencies: list[list[float]] = [[] for _ in chats]
    threads = [
        threading.Thread(target=_timed_answers, args=(chat.url, questions, into))
        for chat, into in zip(chats, latencies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [ms for each in latencies for ms in each]


def measure_shared_server(settings: Settings, questions: Sequence[str], timeout_s: float) -> dict[str, Any]:
    """Start a Chroma server over a copy of `settings`' index and two chat processes on it at once
    with an empty cache (a machine the ingest did not run on: every vector read through the
    server); then restart both with the files that start kept, plus the parse files the ingest
    made (as on the ingest's machine, or with its `parses/` folder copied), and ask both at once."""
    with tempfile.TemporaryDirectory(prefix="shared-server-") as work:
        folder = Path(work)
        cache = folder / "chat-cache"
        shutil.copytree(
            settings.index.index_dir,
            folder / "index",
            ignore=shutil.ignore_patterns("vectors", "derived", "parses"),
        )
        port = free_port()
        with (folder / "chroma.log").open("wb") as chroma_log:
            server = _start_chroma(folder / "index", port, chroma_log)
        chats: list[Served] = []
        try:
            environment = serve_environment(
                settings,
                ASSISTANT_CHROMA_HOST="127.0.0.1",
                ASSISTANT_CHROMA_PORT=str(port),
                ASSISTANT_CACHE_DIR=str(cache),
                ASSISTANT_ANSWER_CACHE_SIZE="0",
            )
            chats = [Served.start(environment) for _ in range(CHAT_PROCESSES)]
            starts = [chat.first_answer(timeout_s)["cold_start_s"] for chat in chats]
            first_rss = [chat.peak_rss_mb() for chat in chats]
            files = len(list((cache / "vectors").glob("*.npy")))
            for chat in chats:
                chat.stop()
            if settings.index.parse_files.is_dir():
                shutil.copytree(settings.index.parse_files, cache / "parses", dirs_exist_ok=True)
            chats = [Served.start(environment) for _ in range(CHAT_PROCESSES)]
            restarts = [chat.first_answer(timeout_s)["cold_start_s"] for chat in chats]
            every = _ask_all_at_once(chats, questions)
            return {
                "chat_processes": len(chats),
                "start_s": starts,
                "chat_rss_mb": first_rss,
                "restart_s": restarts,
                "restart_chat_rss_mb": [chat.peak_rss_mb() for chat in chats],
                "server_rss_mb": tree_peak_kb(server.pid) / 1024,
                "questions_each": len(questions),
                "ask_p50_ms": statistics.median(every) if every else 0.0,
                "ask_p95_ms": _percentile(every, 0.95),
                "vector_files_written": files,
                "note": "both chats started at once with empty caches, then restarted at once with the "
                "files kept and the ingest's parse files, then asked at once over HTTP",
            }
        finally:
            for chat in chats:
                chat.stop()
            stop_process(server, 20)


def shared_figures(shared: dict[str, Any] | None) -> dict[str, Any]:
    """The bench's headline figures of a shared-server run (None each when it was not run)."""
    names = ("chat_start_s", "chat_restart_s", "chat_rss_mb", "rss_mb", "ask_p50_ms", "ask_p95_ms")
    if shared is None:
        return {f"scale_shared_server_{name}": None for name in names}
    values = (
        max(shared["start_s"]),
        max(shared["restart_s"]),
        max(shared["chat_rss_mb"] + shared["restart_chat_rss_mb"]),
        shared["server_rss_mb"],
        shared["ask_p50_ms"],
        shared["ask_p95_ms"],
    )
    return {f"scale_shared_server_{name}": value for name, value in zip(names, values, strict=True)}
