"""A generative answer: the model writes from the retrieved passages, the checker keeps what they
support, and the extractive answer stands in whenever that gives nothing.

The extractive answer is computed first (it is the fallback and it carries the retrieved
passages); the model never sees anything retrieval did not find. The extractive answer is given,
with `fallback_reason`, when no model is configured, when the reports do not cover the question
(unless `respect_refusal` is off), when the server fails or times out, and when no sentence the
model wrote survives the check.

Does not retrieve, and does not decide whether a sentence is supported (see `checking`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from assistant.answering.language import Parsed
from assistant.core.answers import Answer
from assistant.core.citations import cite
from assistant.core.library import IndexedPassage, Library
from assistant.core.settings.generation import LlmSettings
from assistant.generative.checking import Checked, Checker, Verdicts
from assistant.generative.client import ModelError, Writer
from assistant.generative.passages import number_passages
from assistant.generative.prompt import messages as prompt_messages
from assistant.generative.values import EXTRACTIVE, GENERATIVE, GenerativeAnswer, Removed


class GenerativeAnswerer:
    """Writes answers with the configured model, checked sentence by sentence; shared by threads."""

    def __init__(
        self,
        settings: LlmSettings,
        called: str,
        parse: Callable[[str], Parsed],
        writer: Writer | None = None,
    ) -> None:
        self.settings = settings
        self.called = called
        self.checker = Checker(parse, settings.support_threshold)
        self._writer = writer if writer is not None or not settings.base_url else Writer(settings)

    def answer(self, extractive: Answer, library: Library) -> GenerativeAnswer:
        """The checked generative answer to the question `extractive` answers, or `extractive` itself."""
        if self._writer is None:
            return _fallback(extractive, "no language model is configured (ASSISTANT_LLM_BASE_URL is unset)")
        if self.settings.respect_refusal and not extractive.answered:
            return _fallback(
                extractive, f"{self.called} do not appear to cover this; the model was not asked"
            )
        passages = number_passages(
            library, extractive.passages, self.settings.passages, self.settings.context_sentences
        )
        if not passages:
            return _fallback(extractive, "no passages were retrieved for the model to read")
        messages = prompt_messages(extractive.query, passages, self.called, self.settings.max_sentences)
        started = time.monotonic()
        try:
            reply = self._writer.write(messages)
        except ModelError as error:
            return _fallback(extractive, str(error), seconds=time.monotonic() - started)
        seconds = time.monotonic() - started
        verdicts = self.checker.check(reply, passages)
        if not verdicts.kept:
            why = (
                "the model said the passages do not answer this"
                if verdicts.declined
                else "no sentence the model wrote was supported by its quote"
                if verdicts.removed
                else "the model wrote nothing"
            )
            return _fallback(extractive, why, verdicts.removed, seconds)
        return GenerativeAnswer(
            GENERATIVE, _written(extractive, verdicts, library), verdicts.removed, None, seconds
        )


def _written(extractive: Answer, verdicts: Verdicts, library: Library) -> Answer:
    """The kept sentences with markers renumbered to their quotes, each quote verified by `cite`."""
    order: list[IndexedPassage] = []
    for checked in verdicts.kept:
        order.extend(q for q in checked.quotes if q not in order)
    citations = cite(library, order)
    number = {quote.id: n for n, quote in enumerate(order, start=1)}
    text = " ".join(_sentence(checked, number) for checked in verdicts.kept)
    return Answer(
        question=extractive.question,
        query=extractive.query,
        text=text,
        answered=True,
        citations=citations,
        passages=extractive.passages,
        short_answer="",
        confidence=extractive.confidence,
    )


def _sentence(checked: Checked, number: dict[str, int]) -> str:
    """Example: "Ann chairs it." quoting passages numbered 2 and 3 -> "Ann chairs it. [2][3]"."""
    return checked.claim.text + " " + "".join(f"[{number[q.id]}]" for q in checked.quotes)


def _fallback(
    extractive: Answer, reason: str, removed: list[Removed] | None = None, seconds: float = 0.0
) -> GenerativeAnswer:
    return GenerativeAnswer(EXTRACTIVE, extractive, list(removed or []), reason, seconds)
