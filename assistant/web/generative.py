"""The chat's switch between answers quoted from the documents and answers written by the model.

Shown only when a language model is configured (`ASSISTANT_LLM_BASE_URL`); without one the chat
is as it always was and nothing here is used. What the switch offers, the working note while the
model writes, the line each answer bubble carries to say which mode produced it (and, when the
model's answer was not used, why), and the collapsed note listing the sentences the check removed.
All text is escaped by `rendering.chat_text`, like every other bubble's.

Does not call the model (`Assistant.ask_generative` does) nor keep the conversation
(`web_conversation`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from assistant.core.settings import Settings
from assistant.generative.values import EXTRACTIVE, GENERATIVE, Removed
from assistant.web import rendering

SWITCH_LABEL = "How the answer is written"
MODES = (EXTRACTIVE, GENERATIVE)
WRITTEN = "Written by the model, every sentence checked against its quote"
# Gradio draws a Radio as a <fieldset> whose label is a plain <span>: the group has no name for a
# screen reader. This names it, on page load.
NAME_THE_SWITCH = f"""
() => {{
  const group = document.querySelector('#answer-mode');
  if (group) {{
    group.setAttribute('role', 'radiogroup');
    group.setAttribute('aria-label', {json.dumps(SWITCH_LABEL)});
  }}
}}
"""


def switch_shown(settings: Settings) -> bool:
    """Whether the chat offers the switch: only when a model is configured."""
    return bool(settings.llm.base_url)


def chosen_mode(value: object, settings: Settings) -> str:
    """The mode a question is answered in: the switch's value when the switch is shown, else ""
    (no switch: the extractive answer, unlabelled, as before). Anything else is the default."""
    if not switch_shown(settings):
        return ""
    return value if isinstance(value, str) and value in MODES else settings.llm.chat_mode


def quoted_words(called: str) -> str:
    """How an extractive answer is labelled; `called` is what the settings call the documents.
    Example: "the reports" -> "Quoted from the reports"."""
    return f"Quoted from {called}"


def choices(called: str) -> list[tuple[str, str]]:
    """The switch's two choices, (label, mode)."""
    return [(quoted_words(called), EXTRACTIVE), ("Written by the model, checked", GENERATIVE)]


def writing_note(called: str) -> str:
    """The working note while the model writes. It opens as the plain working note does
    ("Searching the reports"): whatever waits for that note to go (a reader, a test) waits for
    this one too."""
    return f"<em>Searching {called}, then writing the answer with the model and checking each sentence…</em>"


def mode_words(mode: str, called: str, fallback_reason: str = "") -> str:
    """Which mode produced an answer, in plain words; "" for an answer given without the switch.

    Example: ("extractive", "the reports", "could not reach the model server at http://h/v1") ->
    "Quoted from the reports. The model's answer was not used: could not reach the model server at http://h/v1."
    """
    if mode == GENERATIVE:
        return WRITTEN
    if mode != EXTRACTIVE:
        return ""
    if not fallback_reason:
        return quoted_words(called)
    return f"{quoted_words(called)}. The model's answer was not used: {fallback_reason.rstrip('.')}."


def removed_html(removed: Sequence[Removed]) -> str:
    """The sentences the check removed, in a collapsed <details>, each with its reason; escaped."""
    if not removed:
        return ""
    count = len(removed)
    lines = "<br>".join(
        f"“{rendering.chat_text(r.sentence)}” — {rendering.chat_text(r.reason)}" for r in removed
    )
    summary = f"{count} sentence{'s' if count != 1 else ''} removed as unsupported"
    return f'<details class="removed"><summary>{summary}</summary>{lines}</details>'
