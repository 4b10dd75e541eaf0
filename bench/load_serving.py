"""`--serve`: the app started for a load run, once it answers a question, and stopped after it.

Starting and stopping the process are shared with the cold-start bench (`bench.serving`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from bench.load_clients import MAX_REQUEST_TIMEOUT
from bench.load_transports import HttpAsker, check_answer
from bench.runtime import OFFLINE_ENV
from bench.serving import free_port, raise_if_exited, serve_command, stop_process

SERVE_START_TIMEOUT = 180.0


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
                check_answer(asker.ask(probe))
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
