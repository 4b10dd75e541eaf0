"""What the whole bench run shares: progress log lines, an offline environment, a network guard.

`log` writes timestamped progress to stderr; `offline_environment` sets the Hugging Face,
Gradio and Chroma switches that keep libraries from downloading or phoning home;
`no_network` refuses (and records) every non-loopback connection of this process. It
measures nothing, and it cannot guard subprocesses: `assistant serve` gets its offline
switches through its environment (see `serving`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click


def log(message: str) -> None:
    click.echo(f"[bench {time.strftime('%H:%M:%S')}] {message}", err=True)


# --- offline guard --------------------------------------------------------------------------------


@dataclass
class NetworkGuard:
    """Records (and refuses) every connection this process tries to open beyond loopback."""

    attempts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def no_network() -> Iterator[NetworkGuard]:
    """Refuse non-loopback connections for the duration, so a hidden download fails loudly."""
    guard = NetworkGuard()
    original = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            guard.attempts.append(f"{host}:{address[1] if isinstance(address, tuple) else ''}")
            raise OSError(f"bench: network access refused ({host})")
        return original(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    try:
        yield guard
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


# What the bench, and every `assistant serve` it or the load script starts, runs with: offline,
# no analytics, and loopback reached directly even where a proxy is configured.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def offline_environment() -> None:
    for name, value in {**OFFLINE_ENV, "TOKENIZERS_PARALLELISM": "false"}.items():
        os.environ.setdefault(name, value)
