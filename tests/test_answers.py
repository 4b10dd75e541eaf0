"""Answers from the real pipeline over the bundled corpus: the README's question, refusals,
follow-ups, filters, bad questions, and where cited sentences show up. Answer quality on
questions is measured by the evals, not pinned here."""

from __future__ import annotations

import pytest

from assistant.core.answers import Answer
from assistant.core.filters import Filters
from assistant.core.questions import InvalidQuestion
from assistant.core.readers import Readers
from assistant.core.service import Assistant
from assistant.core.settings import Settings

MISSION = "Who carried out the 2025 report?"  # the README's example


def assert_citations_exact(assistant: Assistant, answer: Answer) -> None:
    for citation in answer.citations:
        text = assistant.library.documents[citation.source].text
        assert text[citation.start : citation.end] == citation.quote
        assert citation.title


def test_mission_question_names_steve_walker_with_valid_citations(assistant: Assistant) -> None:
    answer = assistant.ask(MISSION)
    assert answer.answered
    assert "Steve Walker" in answer.text
    assert answer.citations and any("Steve Walker" in c.quote for c in answer.citations)
    assert {c.source for c in answer.citations} <= {"000_51ea0cfd4f2702f8.txt", "001_2ecfe923766d58f8.txt"}
    assert_citations_exact(assistant, answer)


@pytest.mark.parametrize(
    "question",
    ["What is the price of a bus pass in Powys?", "How many sheep are farmed in Montgomeryshire?"],
)
def test_questions_the_reports_cannot_answer_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.answered is False
    assert answer.text.startswith("The reports do not appear to cover this")
    assert answer.passages  # the nearest passages are still listed
    assert_citations_exact(assistant, answer)


def test_follow_up_resolves_through_history(assistant: Assistant) -> None:
    answer = assistant.ask("What did he say about staff?", [MISSION])
    assert "Steve Walker" in answer.query
    assert answer.answered
    assert_citations_exact(assistant, answer)


def test_follow_up_without_history_is_answered_alone(assistant: Assistant) -> None:
    answer = assistant.ask(MISSION, [])
    assert answer.query == MISSION


def test_filters_restrict_sources(assistant: Assistant) -> None:
    only_2018 = assistant.ask(
        "What did inspectors find?", filters=Filters(date_from="2018-01-01", date_to="2018-12-31")
    )
    assert {p.source for p in only_2018.passages} <= {"003_ca2cbad75c2c214d.txt", "004_2cd78eb0f3ad020f.txt"}
    one = assistant.ask(
        "Who carried out the report?", filters=Filters(documents=("002_46e63d0ad2ca686d.txt",))
    )
    assert {p.source for p in one.passages} == {"002_46e63d0ad2ca686d.txt"}


def test_a_refusal_under_filters_says_the_filters_limited_it(assistant: Assistant) -> None:
    answer = assistant.ask(
        "What is the price of a bus pass in Powys?", filters=Filters(date_from="2018-01-01")
    )
    assert not answer.answered and "filters" in answer.text


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 2001])
def test_empty_or_overlong_questions_get_a_clear_error(assistant: Assistant, question: str) -> None:
    with pytest.raises(InvalidQuestion) as error:
        assistant.ask(question)
    assert "question" in str(error.value).lower()


@pytest.mark.parametrize("question", [MISSION, "What did the report find about staff morale?"])
def test_every_cited_sentence_is_among_the_returned_passages(assistant: Assistant, question: str) -> None:
    """Officers check a quote against its passage: the passages list always holds it, even when the
    answerer found the sentence outside the retrieved hits (a neighbour of a hit)."""
    answer = assistant.ask(question)
    assert answer.citations
    for citation in answer.citations:
        assert any(
            p.source == citation.source and p.start <= citation.start and citation.end <= p.end
            for p in answer.passages
        ), citation


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_keyword_search_with_a_document_filter_still_finds_that_documents_passages(
    corpus_settings: Settings, readers: Readers, mode: str
) -> None:
    """Keyword search returns only its top candidates (three here); with a filter they must come from
    the allowed document, not be the corpus-wide top ones, all filtered away."""
    from assistant.core.service import create_assistant

    narrow = create_assistant(corpus_settings.updated(retrieval={"candidates": 3}), readers)
    allowed = ("004_2cd78eb0f3ad020f.txt",)
    answer = narrow.ask(MISSION, filters=Filters(documents=allowed), mode=mode)
    assert answer.passages and {p.source for p in answer.passages} == set(allowed)
    assert sum(p.bm25_rank is not None for p in answer.passages) == 3
