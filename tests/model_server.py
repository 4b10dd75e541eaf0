"""A real OpenAI-compatible model server for the generative tests: llama.cpp's server with the
bundled SmolLM2-135M-Instruct, started on a free 127.0.0.1 port, or the server that
ASSISTANT_LLM_BASE_URL (with _MODEL and _API_KEY) names when the tests are run.

One server for the whole session (`llm_server` in conftest.py): loading the model takes a while
on two busy cores, and two would compete for them.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.core.settings.generation import LlmSettings
from assistant.generative.local_server import THREADS, command, environment
from tests.live_app import free_port

# Read at import, before the autouse fixture clears ASSISTANT_* for each test.
EXTERNAL = {
    k: os.environ[f"ASSISTANT_LLM_{k.upper()}"]
    for k in ("base_url", "model", "api_key")
    if f"ASSISTANT_LLM_{k.upper()}" in os.environ
}
START_TIMEOUT_S = 180  # loading a 100 MB model on a busy 2-core machine


@dataclass(frozen=True)
class Server:
    """A running OpenAI-compatible server and how to reach it."""

    base_url: str
    model: str
    api_key: str | None
    local: bool  # started here (it requires the key), not given by the environment

    def llm(self, **more: object) -> dict[str, object]:
        """`LlmSettings` fields that reach this server, and `more`."""
        return {"base_url": self.base_url, "model": self.model, "api_key": self.api_key, **more}


@contextmanager
def model_server(log: Path) -> Iterator[Server]:
    """The environment's server, or the bundled model served here until the block ends."""
    if "base_url" in EXTERNAL:
        yield Server(
            EXTERNAL["base_url"], EXTERNAL.get("model", LlmSettings().model), EXTERNAL.get("api_key"), False
        )
        return
    port = free_port()
    key = f"sk-test-{secrets.token_hex(8)}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command("127.0.0.1", port, THREADS), stdout=out, stderr=subprocess.STDOUT, env=environment(key)
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_ready(base_url, key, process, log)
        yield Server(base_url, LlmSettings().model, key, True)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(base_url: str, key: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the model server exited ({process.returncode}): {log.read_text()[-2000:]}")
        request = urllib.request.Request(f"{base_url}/models", headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the model server did not start within {START_TIMEOUT_S} s: {log.read_text()[-2000:]}")
