"""Start the real Gradio app in a background thread on a free local port (for the app/browser tests)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.core.service import Assistant

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_app(assistant: Assistant, **launch_kwargs: Any) -> Iterator[str]:
    from assistant.web.app import build_app
    from assistant.web.serving import launch

    app = build_app(assistant)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True, **launch_kwargs)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        close_app(app)


def close_app(app: Any) -> None:
    """`Blocks.close`, with Gradio's stop event set first on the server's own event loop.

    `Blocks.close` sets that `asyncio.Event` from the calling thread; when a browser page drops
    its heartbeat at the same moment, the server's loop cancels a waiter between the event's
    check and its `set_result`, and `close` raises `InvalidStateError` with the server still up
    (seen once in CI). Set on its own loop, the event wakes every heartbeat safely, and the
    `set` inside `close` is then a no-op.
    """
    servers = getattr(app.server, "servers", None) or []
    if servers:
        loop = servers[0].get_loop()
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(_set(app.app.stop_event), loop).result(timeout=10)
    app.close()


async def _set(event: asyncio.Event) -> None:
    event.set()
