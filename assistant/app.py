"""The Gradio chat: a thin layer that wires UI events to one `Assistant`.

No business logic here: questions go to `Assistant.ask`, and what comes back is rendered.
Document text is always escaped before it is shown, never rendered as HTML.
"""

from __future__ import annotations

import html
import os
from typing import Any

from assistant.answers import Answer
from assistant.service import Assistant, InvalidQuestion, create_assistant
from assistant.settings import Settings

EXAMPLES = [
    "Who carried out the 2025 report?",
    "How many recommendations does the assurance report make?",
    "What did inspectors find in October 2018?",
]


def sources_markdown(answer: Answer) -> str:
    """Numbered sources under an answer, quotes escaped."""
    if not answer.citations:
        return ""
    heading = "**Sources**" if answer.answered else "**Nearest passages**"
    lines = [heading]
    for c in answer.citations:
        quote = html.escape(" ".join(c.quote.split()))
        lines.append(f"[{c.n}] *{html.escape(c.title)}* ({c.source}, characters {c.start}–{c.end}): “{quote}”")
    return "\n\n".join(lines)


def build_app(assistant: Assistant) -> Any:
    import gradio as gr

    def respond(message: str, history: list[dict[str, Any]]) -> str:
        earlier = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        try:
            answer = assistant.ask(message, earlier)
        except InvalidQuestion as error:
            return str(error)
        reply = html.escape(answer.text) + "\n\n" + sources_markdown(answer)
        if answer.query != answer.question:
            reply += f"\n\n<sub>Searched for: {html.escape(answer.query)}</sub>"
        return reply

    return gr.ChatInterface(
        respond,
        title="Powys children's services reports",
        description="Ask a question about the reports; every answer cites the passages it comes from.",
        examples=EXAMPLES,
        cache_examples=False,
    )


def serve(settings: Settings, host: str, port: int) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app = build_app(create_assistant(settings))
    app.queue().launch(server_name=host, server_port=port, show_api=False)
