"""The evaluation gate: the question set through `Assistant.ask`, held to evals/thresholds.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _run_json(accuracy: float, latency: float, failing: dict[str, str]) -> dict[str, Any]:
    ids = ["q1", "q2", "q3"]
    return {
        "metrics": {"answer_accuracy": accuracy, "false_refusals": 0.1, "latency_p50_ms": latency},
        "questions": [
            {"id": i, "question": f"question {i}", "problems": [failing[i]] if i in failing else []}
            for i in ids
        ],
    }


def test_a_comparison_names_what_got_better_or_worse() -> None:
    from evals.compare import compare

    before = _run_json(0.5, 20.0, {"q1": "refused although the reports answer it"})
    after = _run_json(0.6, 25.0, {"q2": "answer lacks every accepted answer"})
    changes = compare(before, after)
    assert changes.metrics == [("answer_accuracy", 0.5, 0.6), ("latency_p50_ms", 20.0, 25.0)]
    assert changes.now_failing == [("q2", "question q2", "answer lacks every accepted answer")]
    assert changes.now_passing == [("q1", "question q1")]
    verdicts = {row[1]: row[0] for row in changes.rows()[1:]}
    assert verdicts == {
        "answer_accuracy": "better",
        "latency_p50_ms": "timing",
        "q2: question q2": "now failing",
        "q1: question q1": "now passing",
    }
    assert compare(after, after).rows() == [["change", "id or metric", "before", "after"]]


def test_fewer_false_refusals_is_better() -> None:
    from evals.compare import compare

    before, after = _run_json(0.5, 20.0, {}), _run_json(0.5, 20.0, {})
    after["metrics"]["false_refusals"] = 0.05
    assert compare(before, after).rows()[1][0] == "better"


@pytest.mark.parametrize("content", ["not json", '{"metrics": {}}', "[1, 2]"])
def test_an_unreadable_earlier_run_is_a_clear_error(tmp_path: Path, content: str) -> None:
    from evals.compare import PreviousRunError, load_previous

    path = tmp_path / "results.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PreviousRunError):
        load_previous(path)
