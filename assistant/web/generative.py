"""The chat's switch between answers quoted from the reports and answers written by the model.

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
CHOICES = [
    ("Quoted from the reports", EXTRACTIVE),
    ("Written by the model, checked", GENERATIVE),
]
MODES = (EXTRACTIVE, GENERATIVE)
# Holds "Searching the reports" as the plain working note does: whatever waits for that note to go
# (a reader, a test) waits for this one too.
WRITING = "<em>Searching the reports, then writing the answer with the model and checking each sentence…</em>"
WRITTEN = "Written by the model, every sentence checked against its quote"
QUOTED = "Quoted from the reports"
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


def mode_words(mode: str, fallback_reason: str = "") -> str:
    """Which mode produced an answer, in plain words; "" for an answer given without the switch.

    Example: ("extractive", "could not reach the model server at http://h/v1") ->
    "Quoted from the reports. The model's answer was not used: could not reach the model server at http://h/v1."
    """
    if mode == GENERATIVE:
        return WRITTEN
    if mode != EXTRACTIVE:
        return ""
    if not fallback_reason:
        return QUOTED
    return f"{QUOTED}. The model's answer was not used: {fallback_reason.rstrip('.')}."


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
