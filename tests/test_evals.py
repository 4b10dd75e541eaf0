"""The evaluation gate (each gated set through `Assistant.ask`, held to evals/thresholds.json), the
question files themselves (well formed, split into train and test), and the scoring rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from assistant.core.service import Assistant
from evals.check import problems
from evals.collections import Collection, QuestionSet, collections, find_set, question_sets
from evals.dataset import EvalQuestion, load_dataset
from evals.fitting.answerability_check import auc_by_kind, kind_balanced_auc, refused_by_kind
from evals.metrics import contains_answer, normalise, score
from evals.runner import gate, load_thresholds, run_all

GATED = {
    "powys/train/questions",
    "powys/test/blind3",
    "powys/test/fresh",
    "powys/test/fresh2",
    "powys/test/fresh3",
    "pydocs/test/questions",
    "pydocs/test/fresh2",
    "pydocs/test/fresh3",
    "licences/test/questions",
}


@pytest.mark.parametrize("label", sorted(GATED))
def test_each_gated_question_set_meets_its_committed_bounds(
    label: str, collection_assistant: Callable[[str], Assistant]
) -> None:
    """The main training set and every test set, through the chat's own `Assistant.ask`."""
    question_set = find_set(label)
    on = collection_assistant(question_set.collection.name)
    [hybrid] = run_all(on, load_dataset(question_set.path), ("hybrid",))
    failures = gate(hybrid.metrics, load_thresholds(label) or {})
    assert not failures, "\n".join(failures)


def test_every_test_set_is_gated() -> None:
    assert {s.label for s in question_sets("test")} <= GATED


def test_the_main_question_set_is_well_formed() -> None:
    questions = load_dataset()
    assert len(questions) >= 60
    assert sum(not q.answerable for q in questions) >= 8
    sources = {s for q in questions for s in q.sources}
    assert len(sources) == 5


@pytest.mark.parametrize("question_set", question_sets(), ids=lambda s: s.label)
def test_every_accepted_answer_is_in_a_listed_source(question_set: QuestionSet) -> None:
    questions = load_dataset(question_set.path)
    assert len({q.id for q in questions}) == len(questions)
    assert problems(questions, question_set.collection.corpus) == []


@pytest.mark.parametrize("collection", collections(), ids=lambda c: c.name)
def test_no_test_question_is_also_a_training_question(collection: Collection) -> None:
    """Train and test are split: a question (and its history) is in one or the other, never both."""

    def asked(split: str) -> set[tuple[str, ...]]:
        found = set()
        for s in question_sets(split):
            if s.collection == collection:
                found |= {(normalise(q.question), *map(normalise, q.history)) for q in load_dataset(s.path)}
        return found

    assert asked("test")  # a collection may have no training questions (another field, only scored)
    assert not asked("train") & asked("test")


def test_the_model_was_fitted_on_training_sets_only() -> None:
    from assistant.answering.model import load_model
    from assistant.core.settings import Settings
    from evals.fitting.examples import off_topic_sets

    trained_on = set(load_model(Settings().answering.model_path).trained_on)
    borrowed = {s.label for s, _ in off_topic_sets()}  # other collections' training questions
    assert trained_on == {s.label for s in question_sets("train")} | borrowed
    assert not trained_on & {s.label for s in question_sets("test")}


def test_yes_no_questions_are_scored_on_the_answers_first_word() -> None:
    item = EvalQuestion("y1", "Did it close?", ("No",), ("a.txt",), True, kind="yes-no")
    texts = {"a.txt": "It did not close."}
    cited = [{"n": 1, "source": "a.txt", "title": "A", "quote": "It did not close.", "start": 0, "end": 17}]
    right = score(
        item, {"answered": True, "answer": "No. It did not close. [1]", "citations": cited}, 1.0, texts
    )
    wrong = score(
        item, {"answered": True, "answer": "It did not close; no. [1]", "citations": cited}, 1.0, texts
    )
    assert right.correct and right.lead_correct and right.supported
    assert not wrong.correct and not wrong.lead_correct


def test_lead_accuracy_scores_the_short_answer_or_else_the_first_sentence() -> None:
    item = EvalQuestion("w1", "Who ran it?", ("Ann Lee",), ("a.txt",), True)
    text = {"a.txt": "It was run by Ann Lee. Bob Ray helped."}
    short_wrong = {
        "answered": True,
        "answer": "Bob Ray. It was run by Ann Lee. [1]",
        "short_answer": "Bob Ray",
    }
    sentence = {
        "answered": True,
        "answer": "It was run by Ann Lee. [1] Bob Ray helped. [2]",
        "short_answer": None,
    }
    second_only = {
        "answered": True,
        "answer": "Bob Ray helped. [1] It was run by Ann Lee. [2]",
        "short_answer": None,
    }
    assert (
        score(item, short_wrong, 1.0, text).correct and not score(item, short_wrong, 1.0, text).lead_correct
    )
    assert score(item, sentence, 1.0, text).lead_correct
    assert (
        score(item, second_only, 1.0, text).correct and not score(item, second_only, 1.0, text).lead_correct
    )


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


def test_failures_are_counted_by_cause_without_showing_the_questions() -> None:
    from evals.metrics import failure_causes

    text = {"a.txt": "It was run by Ann Lee. Bob Ray helped."}
    passage = {"text": "It was run by Ann Lee.", "source": "a.txt"}
    who = EvalQuestion("w1", "Who ran it?", ("Ann Lee",), ("a.txt",), True)
    nothing = EvalQuestion("u1", "Who owns it?", (), (), False)
    outcomes = [
        score(who, {"answered": False, "answer": "No.", "passages": [passage]}, 1.0, text),
        score(nothing, {"answered": True, "answer": "Bob Ray helped. [1]"}, 1.0, text),
        score(who, {"answered": True, "answer": "Bob Ray helped. [1]", "passages": []}, 1.0, text),
        score(who, {"answered": True, "answer": "Bob Ray helped. [1]", "passages": [passage]}, 1.0, text),
        score(
            who,
            {"answered": True, "answer": "Bob Ray. It was run by Ann Lee. [1]", "short_answer": "Bob Ray"},
            1.0,
            text,
        ),
    ]
    assert list(failure_causes(outcomes).values()) == [1, 1, 1, 1, 1]


def test_questions_that_went_each_way_are_counted_per_collection_without_showing_them(
    tmp_path: Path,
) -> None:
    """Two runs of one test set: each metric counts the questions that changed its verdict, paired
    by id; a question only the later run has is left out, and the JSON names no question."""
    import json

    from evals.collections import QuestionSet
    from evals.flips import Flips, flips, load_suite_run
    from evals.runner import RunResult
    from evals.suite import SetResult

    text = {"a.txt": "It was run by Ann Lee."}
    found = {"answered": True, "answer": "It was run by Ann Lee. [1]"}
    missed = {"answered": True, "answer": "Nobody said. [1]"}
    refused = {"answered": False, "answer": "The papers do not say."}
    asked = {i: EvalQuestion(i, f"Who ran it ({i})?", ("Ann Lee",), ("a.txt",), True) for i in "abcd"}
    nothing = EvalQuestion("n", "Who paid for it?", (), (), False)
    question_set = QuestionSet(
        Collection("harbour", tmp_path, tmp_path, "the papers"), "test", tmp_path / "s.jsonl"
    )

    def run(answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
        items = {**asked, "n": nothing}
        outcomes = [score(items[i], answer, 1.0, text) for i, answer in answers.items()]
        return {"sets": [SetResult(question_set, RunResult("hybrid", {}, outcomes)).to_json(False)]}

    before = run({"a": found, "b": refused, "c": found, "n": found})
    after = run({"a": missed, "b": found, "c": found, "n": refused, "d": missed})
    assert flips(before, after) == [
        Flips("harbour/test", "answer_accuracy", 1, 1),
        Flips("harbour/test", "false_refusals", 1, 0),
        Flips("harbour/test", "lead_accuracy", 1, 1),
        Flips("harbour/test", "refusal_accuracy", 1, 0),
    ]
    assert "Who ran it" not in json.dumps(after) and "Who paid" not in json.dumps(after)
    kept = tmp_path / "before.json"
    kept.write_text(json.dumps(before), encoding="utf-8")
    assert load_suite_run(kept) == before


def test_a_run_of_one_set_or_a_broken_file_is_refused_as_an_earlier_suite_run(tmp_path: Path) -> None:
    from evals.compare import PreviousRunError
    from evals.flips import load_suite_run

    one_set = tmp_path / "one.json"
    one_set.write_text('{"metrics": {}, "questions": []}', encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    for path in (one_set, broken, tmp_path / "missing.json"):
        with pytest.raises(PreviousRunError):
            load_suite_run(path)


@pytest.mark.parametrize(
    ("better", "worse", "chance"),
    [(6, 0, 0.03125), (0, 6, 0.03125), (5, 5, 1.0), (0, 0, 1.0), (1, 0, 1.0), (9, 3, 0.146)],
)
def test_the_sign_test_gives_the_chance_of_a_split_at_least_this_uneven(
    better: int, worse: int, chance: float
) -> None:
    from evals.flips import sign_test

    assert sign_test(better, worse) == pytest.approx(chance, abs=1e-3)


def test_each_collections_test_sets_are_pooled_against_its_targets(tmp_path: Path) -> None:
    """Two sets of one collection count as one: a target met on the pool is met even where one
    set alone misses it, and a ceiling is met from below."""
    from evals.collections import QuestionSet
    from evals.runner import RunResult
    from evals.suite import SetResult, target_rows

    text = {"a.txt": "It was run by Ann Lee."}
    who = EvalQuestion("w1", "Who ran it?", ("Ann Lee",), ("a.txt",), True)
    right = score(who, {"answered": True, "answer": "It was run by Ann Lee. [1]"}, 1.0, text)
    wrong = score(who, {"answered": False, "answer": "No."}, 1.0, text)
    harbour = Collection("harbour", tmp_path, tmp_path, "the papers")

    def of(name: str, outcomes: list[Any]) -> SetResult:
        question_set = QuestionSet(harbour, "test", tmp_path / f"{name}.jsonl")
        return SetResult(question_set, RunResult("hybrid", {}, outcomes))

    results = [of("one", [right, right, right]), of("two", [wrong])]
    targets = {"harbour/test": {"answer_accuracy": 0.7, "false_refusals_max": 0.2}}
    header, row = target_rows(results, targets)
    assert header == ["sets", "questions", "answer_accuracy", "false_refusals"]
    assert row[:2] == ["harbour/test (all sets)", "4"]
    assert row[2].endswith("(>= 0.7: met)") and row[3].endswith("(<= 0.2: missed)")


def test_a_model_that_knows_only_the_kind_of_question_scores_chance_with_kinds_weighted_alike() -> None:
    # Twelve "how many" questions, two of them answerable; twelve "what" questions, ten answerable.
    kinds = np.asarray(["how-many"] * 12 + ["what"] * 12)
    labels = np.asarray([1.0] * 2 + [0.0] * 10 + [1.0] * 10 + [0.0] * 2)
    by_kind = np.where(kinds == "what", 0.9, 0.1)  # the habit of the writers, nothing else
    evidence = np.where(labels > 0, 0.8, 0.3) + np.linspace(0, 0.01, len(labels))  # within kinds too
    assert roc_auc_score(labels, by_kind) > 0.8  # looks skilled on the sets as written
    assert kind_balanced_auc(labels, by_kind, kinds) == pytest.approx(0.5)
    assert kind_balanced_auc(labels, evidence, kinds) == pytest.approx(1.0)


def test_evidence_within_each_kind_shows_in_the_auc_per_kind_though_the_kinds_overlap() -> None:
    # Within each kind every answerable question is rated above every unanswerable one, but the
    # unanswerable "what" questions are rated above the answerable "how many" ones.
    kinds = np.asarray(["how-many"] * 10 + ["what"] * 10 + ["why"] * 6)
    labels = np.asarray(([0.0] * 5 + [1.0] * 5) * 2 + [0.0] * 1 + [1.0] * 5)
    probabilities = np.asarray([0.3] * 5 + [0.4] * 5 + [0.6] * 5 + [0.7] * 5 + [0.5] * 6)
    assert kind_balanced_auc(labels, probabilities, kinds) < 0.9
    # "why" has one unanswerable question: too few to say anything, so it is left out.
    assert auc_by_kind(labels, probabilities, kinds) == "how-many 1.00 (10), what 1.00 (10)"
    reversed_within = np.where(labels > 0, 0.3, 0.4) + np.where(kinds == "what", 0.3, 0.0)
    assert auc_by_kind(labels, reversed_within, kinds) == "how-many 0.00 (10), what 0.00 (10)"


def test_the_refusals_are_shown_per_kind_of_question() -> None:
    kinds = np.asarray(["how-many"] * 6 + ["what"] * 6 + ["why"] * 2)
    labels = np.asarray([0.0] * 3 + [1.0] * 3 + [1.0] * 6 + [1.0] * 2)
    probabilities = np.asarray([0.1] * 3 + [0.2, 0.9, 0.9] + [0.9] * 6 + [0.1] * 2)
    assert refused_by_kind(labels, probabilities, kinds, 0.5) == "how-many 1.00 / 0.33 (6), what - / 0.00 (6)"


def test_bounds_met_by_less_than_two_questions_are_named_with_their_margin() -> None:
    """Ten answerable and four unanswerable questions: answer accuracy 0.7 against a bound of
    0.65 is half a question to spare; refusal 0.75 against 0.25 is two whole questions; a bound
    missed is the gate's failure, not a close one; words are not counted in questions."""
    from evals.runner import close_bounds

    who = EvalQuestion("w1", "Who ran it?", ("Ann Lee",), ("a.txt",), True)
    nothing = EvalQuestion("u1", "Who owns it?", (), (), False)
    text = {"a.txt": "It was run by Ann Lee."}
    outcomes = [score(who, {"answered": True, "answer": "Ann Lee. [1]"}, 1.0, text)] * 10
    outcomes += [score(nothing, {"answered": False, "answer": "No."}, 1.0, text)] * 4
    metrics = {
        "answer_accuracy": 0.7,
        "lead_accuracy": 0.5,
        "refusal_accuracy": 0.75,
        "false_refusals": 0.1,
        "answer_words_mean": 44.0,
    }
    bounds = {
        "min": {"answer_accuracy": 0.65, "lead_accuracy": 0.6, "refusal_accuracy": 0.25},
        "max": {"false_refusals": 0.15, "answer_words_mean": 45},
    }
    assert close_bounds(metrics, bounds, outcomes) == [
        "answer_accuracy = 0.7 meets its bound 0.65 by 0.5 of 10 answerable questions",
        "false_refusals = 0.1 meets its bound 0.15 by 0.5 of 10 answerable questions",
    ]
