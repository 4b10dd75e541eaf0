"""The evaluation gate: the question set through `Assistant.ask`, held to evals/thresholds.json."""

from __future__ import annotations

import pytest

from assistant.service import Assistant
from assistant.settings import PROJECT_ROOT
from evals.dataset import load_dataset
from evals.metrics import contains_answer, normalise, score
from evals.runner import gate, load_thresholds, run_all


def test_hybrid_metrics_meet_the_committed_thresholds(assistant: Assistant) -> None:
    [hybrid] = run_all(assistant, load_dataset(), ("hybrid",))
    failures = gate(hybrid.metrics, load_thresholds())
    assert not failures, "\n".join(failures)


def test_the_question_set_is_well_formed() -> None:
    questions = load_dataset()
    assert len(questions) >= 60
    assert sum(not q.answerable for q in questions) >= 8
    assert any(
        q.question == "Who carried out the 2025 report?" and "Steve Walker" in q.answers for q in questions
    )
    sources = {s for q in questions for s in q.sources}
    assert len(sources) == 5


@pytest.mark.parametrize(
    "name", ["questions.jsonl", "holdout.jsonl", "blind.jsonl", "blind2.jsonl", "blind3.jsonl"]
)
def test_every_accepted_answer_is_in_a_listed_source(name: str) -> None:
    questions = load_dataset(PROJECT_ROOT / "evals" / name)
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.answerable == bool(q.answers) == bool(q.sources), q.id
        texts = [(PROJECT_ROOT / "corpus" / source).read_text(encoding="utf-8") for source in q.sources]
        for answer in q.answers:
            assert any(contains_answer(text, (answer,)) for text in texts), (q.id, answer)


def test_normalisation_folds_quotes_dashes_and_space() -> None:
    assert normalise("Children’s  Services – “safe”") == 'children\'s services - "safe"'
    assert contains_answer("It was carried out by STEVE\u00a0WALKER.", ("Steve Walker",))


def test_a_forged_citation_is_caught() -> None:
    [item] = [q for q in load_dataset() if q.id == "q001"]
    texts = {"a.txt": "The report was carried out by Steve Walker."}
    forged = {
        "answered": True,
        "answer": "Steve Walker [1]",
        "citations": [
            {
                "n": 1,
                "source": "a.txt",
                "title": "A",
                "quote": "carried out by Steve Walker",
                "start": 0,
                "end": 27,
            }
        ],
        "passages": [],
    }
    outcome = score(item, forged, 1.0, texts)
    assert outcome.valid_citations == 0 and outcome.problems
