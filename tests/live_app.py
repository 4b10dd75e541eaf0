"""Start the real Gradio app in a background thread on a free local port (for the app/browser tests)."""

from __future__ import annotations

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
        app.close()
