"""The chat's HTTP API: the one public route, `/ask` (a question in, the answer as JSON out).

Every other event of the page is private (`panels.PRIVATE`); the route is registered by
`app.build_app`, in the same concurrency slot as the chat's questions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.core.questions import InvalidQuestion
from assistant.core.service import Assistant


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words: "a number", "a list", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def ask_route(assistant: Assistant) -> Callable[[str], dict[str, Any]]:
    """The `/ask` route's function over `assistant` (Gradio documents the route from its hints and
    docstring)."""

    def api_ask(question: str) -> dict[str, Any]:
        """Answer one question; returns the answer text, its citations and retrieved passages."""
        if not isinstance(question, str):  # the API passes whatever JSON it was sent
            raise gr.Error(f"The question must be text (a JSON string), not {_json_kind(question)}.")
        try:
            assistant.refresh(assistant.settings.serving.refresh_interval_s)  # adopt a finished re-ingest
            return assistant.ask(question, [], None).to_dict()
        except InvalidQuestion as error:
            raise gr.Error(str(error)) from None

    return api_ask
