"""The two ways a load client asks `/ask`, both through Gradio's queue as the app serves them.

`HttpAsker` speaks Gradio's REST queue API itself (light on the load generator); `GradioClientAsker`
goes through `gradio_client`, as a user of the documented API would. Both raise `RequestError` (or a
timeout) for a request that gets no answer. They count nothing: the run in `load_clients` does.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

API_NAME = "ask"


class RequestError(RuntimeError):
    """One `/ask` request that did not return an answer."""


def check_answer(result: Any) -> None:
    """Raise `RequestError` unless `result` is the route's answer with a non-empty text."""
    if not isinstance(result, dict) or not str(result.get("answer", "")).strip():
        raise RequestError(f"not an answer: {str(result)[:200]}")


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
