"""The run of a load test: the question set, the caps, and N client threads asking for a bounded time.

The threads start together behind a barrier, so the measured window excludes their setup; each
records into one locked `Tally`. How a client asks is in `load_transports`; how the figures are
printed is in `load_report`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load_report import percentile
from bench.load_transports import TRANSPORTS, check_answer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = PROJECT_ROOT / "evals" / "powys" / "train" / "questions.jsonl"

MAX_CLIENTS = 200
MAX_SECONDS = 600.0
MAX_REQUEST_TIMEOUT = 30.0
MAX_REQUESTS_PER_SECOND_PER_CLIENT = 100  # a count cap on top of the time cap
ERROR_SAMPLES = 5
ERROR_PAUSE = 0.1  # seconds a client waits after a failed request


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[str]:
    """The `question` field of every line of a JSON-lines question set."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            question = str(json.loads(line).get("question", "")).strip()
            if question:
                questions.append(question)
    if not questions:
        raise ValueError(f"no questions in {path}")
    return questions


@dataclass
class Tally:
    """What the client threads record, under one lock."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors += 1
            if len(self.error_samples) < ERROR_SAMPLES:
                self.error_samples.append(message[:300])


def run_load(
    url: str,
    clients: int = 50,
    seconds: float = 60.0,
    questions: Sequence[str] | None = None,
    timeout: float = MAX_REQUEST_TIMEOUT,
    transport: str = "http",
    auth: tuple[str, str] | None = None,
    max_requests: int | None = None,
) -> dict[str, Any]:
    """Drive `/ask` at `url` from `clients` threads for `seconds`; returns the report."""
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be 1..{MAX_CLIENTS}")
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be in (0, {MAX_SECONDS:.0f}]")
    if not 0 < timeout <= MAX_REQUEST_TIMEOUT:
        raise ValueError(f"timeout must be in (0, {MAX_REQUEST_TIMEOUT:.0f}]")
    if transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {sorted(TRANSPORTS)}")
    questions = list(questions or load_questions())
    make_asker = TRANSPORTS[transport]
    cap = int(clients * seconds * MAX_REQUESTS_PER_SECOND_PER_CLIENT)
    max_requests = min(max_requests or cap, cap)
    tally = Tally()
    counter = itertools.count()
    window: dict[str, float] = {}

    def open_window() -> None:  # run once, by the last thread to arrive, before any is released
        window["start"] = time.perf_counter()
        window["stop"] = window["start"] + seconds

    ready = threading.Barrier(clients + 1, action=open_window, timeout=MAX_REQUEST_TIMEOUT * 2)

    def worker(index: int) -> None:
        asker = None
        try:
            try:
                asker = make_asker(url, timeout, auth)
            except Exception as error:  # counted, and the run goes on without this client
                with tally.lock:
                    tally.setup_errors.append(f"client {index}: {type(error).__name__}: {error}"[:300])
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.wait()
            if asker is None or "stop" not in window:
                return
            while time.perf_counter() < window["stop"]:
                n = next(counter)
                if n >= max_requests:
                    return
                question = questions[n % len(questions)]
                started = time.perf_counter()
                try:
                    check_answer(asker.ask(question))
                except Exception as error:
                    tally.error(f"{type(error).__name__}: {error}")
                    time.sleep(ERROR_PAUSE)  # a refused request (queue full) must not become a busy loop
                else:
                    tally.ok(time.perf_counter() - started)
        finally:
            if asker is not None:
                with contextlib.suppress(Exception):
                    asker.close()

    threads = [
        threading.Thread(target=worker, args=(i,), name=f"load-{i}", daemon=True) for i in range(clients)
    ]
    setup_started = time.perf_counter()
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()  # a client not ready in time breaks the barrier: nobody asks anything
    if "start" not in window:
        window["start"] = window["stop"] = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, window["stop"] - time.perf_counter()) + timeout + 5)
    elapsed = time.perf_counter() - window["start"]
    with tally.lock:
        latencies = list(tally.latencies)
        errors = tally.errors + len(tally.setup_errors)
        samples = (tally.setup_errors + tally.error_samples)[:ERROR_SAMPLES]
    requests = len(latencies) + tally.errors

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "url": url,
        "transport": transport,
        "clients": clients,
        "seconds": seconds,
        "setup_s": round(window["start"] - setup_started, 2),
        "elapsed_s": round(elapsed, 2),
        "requests": requests,
        "ok": len(latencies),
        "errors": errors,
        "error_samples": samples,
        "throughput_rps": round(len(latencies) / elapsed, 2) if elapsed > 0 else 0.0,
        "latency_ms": {
            "p50": ms(percentile(latencies, 50)),
            "p95": ms(percentile(latencies, 95)),
            "p99": ms(percentile(latencies, 99)),
            "mean": ms(sum(latencies) / len(latencies)) if latencies else None,
            "max": ms(max(latencies)) if latencies else None,
        },
        "stragglers": sum(thread.is_alive() for thread in threads),
    }
