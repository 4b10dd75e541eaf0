"""Serving: cold start of `assistant serve` until its first answer, and its peak memory.

Starts the real command on 127.0.0.1 and a free port, with the offline switches in its
environment, asks through gradio_client, sums VmHWM over the process tree, and stops it
(`stop_process`, also used by the load test, bench/load_serving.py). It measures nothing
in-process: ask latency and recall are in `asking`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings
from bench.asking import eval_questions
from bench.runtime import OFFLINE_ENV

COLD_QUESTION = "Who carried out the 2025 report?"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_peak_kb(pid: int) -> int:
    """Peak resident memory (VmHWM) of `pid` and all its descendants, in kB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def ask_server(url: str, question: str) -> tuple[str, Any]:
    """Ask through gradio_client: `/ask` first, else the first named endpoint that takes a string."""
    from gradio_client import Client

    with contextlib.redirect_stdout(sys.stderr):
        client = Client(url, verbose=False)
    try:
        return "/ask", client.predict(question, api_name="/ask")
    except Exception as ask_error:  # the endpoint may not exist in this version of the app
        api = client.view_api(print_info=False, return_format="dict") or {}
        for name in api.get("named_endpoints") or {}:
            if name == "/ask":
                continue
            with contextlib.suppress(Exception):
                return name, client.predict(question, api_name=name)
        raise ask_error


def serve_command(port: int) -> list[str]:
    """`assistant serve` of this environment on 127.0.0.1:`port`."""
    executable = Path(sys.executable).parent / "assistant"
    return [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)]


def raise_if_exited(process: subprocess.Popen[bytes], log_file: Any) -> None:
    """A server that stopped before answering: say so with the end of what it printed."""
    if process.poll() is not None:
        log_file.seek(0)
        tail = log_file.read().decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"assistant serve exited with status {process.returncode}:\n{tail}")


def serve_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a served chat over `settings`' index, offline, with `extra` variables."""
    return {
        **os.environ,
        **OFFLINE_ENV,
        "ASSISTANT_INDEX_DIR": str(settings.index.index_dir),
        "ASSISTANT_CORPUS_DIR": str(settings.index.corpus_dir),
        "ASSISTANT_DATA_DIR": str(settings.index.data_dir),
        **extra,
    }


@dataclass
class Served:
    """A running `assistant serve`: its process, where it prints, its address and when it started."""

    process: subprocess.Popen[bytes]
    log_file: Any
    url: str
    started: float

    @classmethod
    def start(cls, env: dict[str, str]) -> Served:
        import gradio_client  # noqa: F401 - the client's own import is not the server's start-up

        port = free_port()
        log_file = tempfile.TemporaryFile()
        started = time.perf_counter()
        process = subprocess.Popen(serve_command(port), env=env, stdout=log_file, stderr=subprocess.STDOUT)
        return cls(process, log_file, f"http://127.0.0.1:{port}/", started)

    def first_answer(self, timeout_s: float) -> dict[str, Any]:
        """Wait until the page is served and a question is answered: the times from process start."""
        import urllib.request

        http_up_s: float | None = None
        last_error = ""
        while time.perf_counter() - self.started < timeout_s:
            raise_if_exited(self.process, self.log_file)
            if http_up_s is None:
                try:
                    with urllib.request.urlopen(self.url, timeout=2) as response:
                        if response.status == 200:
                            http_up_s = time.perf_counter() - self.started
                except OSError as error:
                    last_error = str(error)
                    time.sleep(0.1)
                    continue
            try:
                endpoint, answer = ask_server(self.url, COLD_QUESTION)
                break
            except Exception as error:  # not ready yet
                last_error = f"{type(error).__name__}: {error}"
                time.sleep(0.2)
        else:
            raise RuntimeError(f"no answer from {self.url} within {timeout_s:.0f} s ({last_error})")
        return {
            "cold_start_s": time.perf_counter() - self.started,
            "http_up_s": http_up_s,
            "endpoint": endpoint,
            "first_answer": _answer_text(answer)[:160],
        }

    def peak_rss_mb(self) -> float:
        return tree_peak_kb(self.process.pid) / 1024

    def stop(self) -> None:
        stop_process(self.process, 10)
        self.log_file.close()


def measure_serve(settings: Settings, timeout_s: float = 180.0, extra_questions: int = 3) -> dict[str, Any]:
    """Start `assistant serve` on 127.0.0.1, time it until the first answer, then read its peak RSS."""
    served = Served.start(serve_environment(settings))
    try:
        result: dict[str, Any] = {"port": int(served.url.rsplit(":", 1)[1].strip("/"))}
        result.update(served.first_answer(timeout_s))
        for question, _ in eval_questions()[1 : 1 + extra_questions]:
            ask_server(served.url, question)
        result["serve_rss_mb"] = served.peak_rss_mb()
        return result
    finally:
        served.stop()


def _answer_text(answer: Any) -> str:
    if isinstance(answer, dict):
        return str(answer.get("answer", answer))
    return str(answer)


def stop_process(process: subprocess.Popen[bytes], timeout: float, kill_timeout: float | None = None) -> None:
    """Terminate `process` and wait up to `timeout` s; kill it when it is still running, then wait.

    The wait after the kill has no limit unless `kill_timeout` is given.
    """
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=kill_timeout)
