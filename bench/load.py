"""Load test of the chat's named API endpoint `/ask`: N concurrent clients for a bounded time.

    .venv/bin/python -m bench.load --serve [--clients 50] [--seconds 60] [--json]
    .venv/bin/python -m bench.load --url http://127.0.0.1:7860/ [--clients 50] [--seconds 60]

`--serve` starts `assistant serve` on 127.0.0.1 (a free port, the current ASSISTANT_* environment;
the index must already exist) and stops it at the end. Each client is a thread that asks the
questions of `evals/powys/train/questions.jsonl` in turn until the time is up; a request's latency counts
from its submission to its result. The report gives requests, errors (with the first few
messages), throughput and latency percentiles, as a table or as JSON (`--json`).

Two transports, both through Gradio's queue exactly as the app serves them:

* `http` (default): Gradio's REST queue API over one keep-alive httpx connection per client,
  `POST /gradio_api/call/ask` then the event stream `GET /gradio_api/call/ask/{event_id}`;
  each client keeps one Gradio session, as a browser tab or a `gradio_client.Client` does;
* `client`: one `gradio_client.Client` per thread, `predict(question, api_name="/ask")`.
  Heavier on the load generator (a heartbeat stream and thread pools per client, a new
  connection per request), which shares this machine's cores with the server.

Caps: at most 200 clients, 600 s and 30 s per request; every loop stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.runtime import OFFLINE_ENV
from bench.serving import free_port, raise_if_exited, serve_command, stop_process

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = PROJECT_ROOT / "evals" / "powys" / "train" / "questions.jsonl"
API_NAME = "ask"

MAX_CLIENTS = 200
MAX_SECONDS = 600.0
MAX_REQUEST_TIMEOUT = 30.0
MAX_REQUESTS_PER_SECOND_PER_CLIENT = 100  # a count cap on top of the time cap
ERROR_SAMPLES = 5
ERROR_PAUSE = 0.1  # seconds a client waits after a failed request
SERVE_START_TIMEOUT = 180.0


class RequestError(RuntimeError):
    """One `/ask` request that did not return an answer."""


# --- questions -------------------------------------------------------------------------------------


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


# --- transports ------------------------------------------------------------------------------------


class HttpAsker:
    """Gradio's REST queue API over one keep-alive connection: submit, then read the event stream."""

    def __init__(self, url: str, timeout: float, auth: tuple[str, str] | None = None) -> None:
        import httpx

        self.base = url.rstrip("/") + f"/gradio_api/call/{API_NAME}"
        self.timeout = timeout
        self.session_hash = uuid.uuid4().hex  # one session per client, as a browser tab has
        self.http = httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False)
        if auth is not None:  # Gradio's login form sets the session cookie on this client
            response = self.http.post(
                url.rstrip("/") + "/login", data={"username": auth[0], "password": auth[1]}
            )
            if response.status_code != 200:
                raise RequestError(f"login failed: HTTP {response.status_code} {response.text[:200]}")

    def ask(self, question: str) -> Any:
        deadline = time.monotonic() + self.timeout
        response = self.http.post(self.base, json={"data": [question], "session_hash": self.session_hash})
        if response.status_code != 200:
            raise RequestError(f"HTTP {response.status_code} on submit: {response.text[:200]}")
        event_id = response.json()["event_id"]
        event = ""
        with self.http.stream("GET", f"{self.base}/{event_id}") as stream:
            if stream.status_code != 200:
                raise RequestError(f"HTTP {stream.status_code} on the event stream")
            for line in stream.iter_lines():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no result within {self.timeout:.0f} s")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = json.loads(line[5:].strip() or "null")
                    if event == "error":
                        raise RequestError(f"error event: {data}")
                    return data[0] if isinstance(data, list) and data else data
        raise RequestError(f"event stream ended without a result (last event {event or 'none'})")

    def close(self) -> None:
        self.http.close()


class GradioClientAsker:
    """One `gradio_client.Client`, as a user of the documented API would call it."""

    def __init__(self, url: str, timeout: float, auth: tuple[str, str] | None = None) -> None:
        from gradio_client import Client

        # verbose=False keeps it quiet; no redirect_stdout here: it swaps sys.stdout for every thread
        self.client = Client(url, auth=auth, verbose=False, httpx_kwargs={"timeout": timeout})
        self.timeout = timeout

    def ask(self, question: str) -> Any:
        job = self.client.submit(question, api_name=f"/{API_NAME}")
        return job.result(timeout=self.timeout)

    def close(self) -> None:
        self.client.close()


TRANSPORTS: dict[str, Callable[..., Any]] = {"http": HttpAsker, "client": GradioClientAsker}


# --- the run ---------------------------------------------------------------------------------------


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


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile, or None when there are no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def _check_answer(result: Any) -> None:
    if not isinstance(result, dict) or not str(result.get("answer", "")).strip():
        raise RequestError(f"not an answer: {str(result)[:200]}")


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
                    _check_answer(asker.ask(question))
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


def format_table(report: dict[str, Any]) -> str:
    """The report as an aligned two-column table, then the error samples."""
    lat = report["latency_ms"]

    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:,.1f}"

    rows = [
        ("url", report["url"]),
        ("transport", report["transport"]),
        ("clients", str(report["clients"])),
        (
            "duration s",
            f"{report['seconds']:g} (elapsed {report['elapsed_s']:.1f}, setup {report['setup_s']:.1f})",
        ),
        ("requests", str(report["requests"])),
        ("ok", str(report["ok"])),
        ("errors", str(report["errors"])),
        ("throughput req/s", f"{report['throughput_rps']:.2f}"),
        ("latency p50 ms", fmt(lat["p50"])),
        ("latency p95 ms", fmt(lat["p95"])),
        ("latency p99 ms", fmt(lat["p99"])),
        ("latency mean ms", fmt(lat["mean"])),
        ("latency max ms", fmt(lat["max"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    if report["error_samples"]:
        lines.append("first errors:")
        lines.extend(f"  - {sample}" for sample in report["error_samples"])
    return "\n".join(lines)


# --- serving ---------------------------------------------------------------------------------------


def _wait_until_answering(
    url: str,
    process: subprocess.Popen[bytes],
    log_file: Any,
    timeout: float,
    auth: tuple[str, str] | None,
    probe: str,
) -> None:
    started = time.monotonic()
    asker: HttpAsker | None = None
    last_error = "not started"
    try:
        while time.monotonic() - started < timeout:
            raise_if_exited(process, log_file)
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    response.read()
                asker = asker or HttpAsker(url, MAX_REQUEST_TIMEOUT, auth)
                _check_answer(asker.ask(probe))
                return
            except Exception as error:  # not up yet
                last_error = f"{type(error).__name__}: {error}"
                time.sleep(0.25)
    finally:
        if asker is not None:
            asker.close()
    raise RuntimeError(f"{url} gave no answer within {timeout:.0f} s ({last_error})")


@contextlib.contextmanager
def served(
    auth: tuple[str, str] | None = None,
    timeout: float = SERVE_START_TIMEOUT,
    probe: str = "Who carried out the 2025 report?",
) -> Iterator[str]:
    """`assistant serve` on 127.0.0.1 and a free port, answering `probe`; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = serve_command(port)
    env = {**os.environ, **OFFLINE_ENV}
    with tempfile.TemporaryFile() as log_file:
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            _wait_until_answering(url, process, log_file, timeout, auth, probe)
            yield url
        finally:
            stop_process(process, 15, kill_timeout=15)


# --- command line ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860/")
    target.add_argument("--serve", action="store_true", help="start `assistant serve` for the run")
    parser.add_argument("--clients", type=int, default=50, help=f"concurrent clients (1..{MAX_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=60.0, help=f"duration (max {MAX_SECONDS:.0f})")
    parser.add_argument(
        "--timeout", type=float, default=MAX_REQUEST_TIMEOUT, help="per-request timeout (max 30)"
    )
    parser.add_argument("--transport", choices=sorted(TRANSPORTS), default="http")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON-lines question set")
    parser.add_argument("--max-requests", type=int, default=None, help="stop after this many requests")
    parser.add_argument(
        "--auth", default=os.environ.get("LOAD_AUTH"), help="USER:PASSWORD when the app asks for a login"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; 0 when every request was answered, 1 when any failed, 2 on bad options."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be more than 0 and at most {MAX_SECONDS:.0f}")
    if not 0 < args.timeout <= MAX_REQUEST_TIMEOUT:
        parser.error(f"--timeout must be more than 0 and at most {MAX_REQUEST_TIMEOUT:.0f}")
    if args.max_requests is not None and args.max_requests < 1:
        parser.error("--max-requests must be at least 1")
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep:
            parser.error("--auth must be USER:PASSWORD")
        auth = (user, password)
    questions = load_questions(args.questions)

    def run(url: str) -> dict[str, Any]:
        return run_load(
            url, args.clients, args.seconds, questions, args.timeout, args.transport, auth, args.max_requests
        )

    if args.serve:
        with served(auth, probe=questions[0]) as url:
            report = run(url)
    else:
        report = run(args.url)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0 if report["errors"] == 0 and report["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
