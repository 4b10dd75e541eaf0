"""The answer cache: a repeated question is worked out once, and a re-ingest never serves stale text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.core.readers import Readers
from assistant.core.service import Assistant, create_assistant
from assistant.core.settings import Settings
from ingest.embedder import Embedder
from tests.conftest import ingest_folder

MISSION = "Who carried out the 2025 report?"


def _count_work(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each question the assistant really works out (a spy: the real `_answer` still runs)."""
    worked: list[str] = []
    version = assistant._version  # what the assistant read from the index; it answers questions
    real = version._answer

    def counting(question: str, *args: Any) -> Any:
        worked.append(question)
        return real(question, *args)

    monkeypatch.setattr(version, "_answer", counting)
    return worked


def test_a_repeated_question_is_answered_from_the_cache(
    corpus_settings: Settings, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = create_assistant(corpus_settings, readers)
    worked = _count_work(assistant, monkeypatch)
    first = assistant.ask(MISSION)
    first.citations.clear()  # what a caller does to its copy must not reach the cache
    again = assistant.ask("  Who carried out   the 2025 report? ", ["What is Powys?"])
    assert worked == [MISSION]
    assert again.answered and "Steve Walker" in again.text and again.citations
    assert again.to_dict() == assistant._version._answer(MISSION, [], None, None).to_dict()


def test_follow_ups_are_cached_per_history(
    corpus_settings: Settings, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = create_assistant(corpus_settings, readers)
    worked = _count_work(assistant, monkeypatch)
    assistant.ask("What did he find?", [MISSION])
    assistant.ask("What did he find?", ["Who was appointed interim Director of Social Care?"])
    assert worked.count("What did he find?") == 2


def test_cache_off_works_every_question_out(
    corpus_settings: Settings, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = create_assistant(corpus_settings.updated(serving={"answer_cache_size": 0}), readers)
    worked = _count_work(assistant, monkeypatch)
    assistant.ask(MISSION)
    assistant.ask(MISSION)
    assert worked == [MISSION, MISSION]
    assert len(assistant.answers) == 0


def test_a_reingest_empties_the_cache(
    ingested_copy: tuple[Path, Path], embedder: Embedder, readers: Readers
) -> None:
    small_corpus, index = ingested_copy
    assistant = create_assistant(Settings(index={"corpus_dir": small_corpus, "index_dir": index}), readers)
    assert "Steve Walker" in assistant.ask(MISSION).text
    for path in small_corpus.glob("*.txt"):
        path.write_text(
            path.read_text(encoding="utf-8").replace("Steve Walker", "Robin Marsh"), encoding="utf-8"
        )
    ingest_folder(small_corpus, index, embedder)
    assert assistant.refresh()
    answer = assistant.ask(MISSION)
    assert "Robin Marsh" in answer.text and "Steve Walker" not in answer.text
    for citation in answer.citations:
        text = (small_corpus / citation.source).read_text(encoding="utf-8")
        assert text[citation.start : citation.end] == citation.quote
