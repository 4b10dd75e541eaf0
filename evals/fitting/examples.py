"""The training questions, examined as the chat would answer them, labelled, and put in folds.

A sentence is right when it contains an accepted answer and comes from a listed source; a span is
right when it is (or closely holds) an accepted answer inside a right sentence. Folds are seeded,
so the same training files give the same folds. Every collection is also asked some of the other
collections' questions, as off-topic. Fits nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.answering.answerer import Examination
from assistant.core.service import Assistant
from evals.collections import Collection, QuestionSet, question_sets
from evals.dataset import EvalQuestion, load_dataset
from evals.metrics import contains_answer, is_yes_no_answer, normalise

FOLDS = 5
SEED = 20251129
MAX_SPAN_EXTRA_WORDS = 3  # a span holding the answer may say this many words more ("over 400")
OFF_TOPIC = "off-topic"  # the label of the questions borrowed from another collection
OFF_TOPIC_EVERY = 5  # one question in this many of the other collections' training sets


@dataclass
class Example:
    """One training question, examined, with its labels."""

    item: EvalQuestion
    question_set: QuestionSet
    exam: Examination
    sentence_labels: np.ndarray  # per candidate
    span_labels: list[np.ndarray]  # per candidate, per span
    fold: int = 0
    words: list[int] = field(default_factory=list)  # words of each candidate sentence
    following: list[int | None] = field(default_factory=list)  # each candidate's next sentence's row

    @property
    def answerable(self) -> bool:
        return self.item.answerable

    @property
    def yes_no(self) -> bool:
        return bool(self.item.answers) and all(is_yes_no_answer(a) for a in self.item.answers)

    @property
    def off_topic(self) -> bool:
        """Borrowed from another collection (`off_topic_sets`): only the off-topic model learns from it."""
        return self.question_set.label.endswith(OFF_TOPIC)

    @property
    def for_ranking(self) -> bool:
        """Questions whose right sentence can be told from its words (not yes/no)."""
        return self.answerable and not self.yes_no


def span_matches(span_text: str, answers: tuple[str, ...]) -> bool:
    """The span is an accepted answer, or holds one with few words more, or is most of one.

    Example: "over 400" matches "400"; "Steve Walker" matches "Steve Walker"; "the council"
    does not match "Powys County Council".
    """
    span = normalise(span_text)
    for answer in answers:
        wanted = normalise(answer)
        if not wanted or not span:
            continue
        if wanted in span and len(span.split()) <= len(wanted.split()) + MAX_SPAN_EXTRA_WORDS:
            return True
        if span in wanted and len(span) >= 0.5 * len(wanted):
            return True
    return False


def examine_all(open_assistant: Callable[[Collection], Assistant]) -> list[Example]:
    """Every training question examined on its collection's assistant, labelled, and every
    collection asked some of the other collections' questions as off-topic (`off_topic_sets`)."""
    examples: list[Example] = []
    assistants: dict[str, Assistant] = {}
    for question_set, items in [
        *((s, load_dataset(s.path)) for s in question_sets("train")),
        *off_topic_sets(),
    ]:
        collection = question_set.collection
        if collection.name not in assistants:
            assistants[collection.name] = open_assistant(collection)
        assistant = assistants[collection.name]
        library = assistant.library
        for item in items:
            exam = assistant.examine(item.question, list(item.history))
            sentence_labels = np.zeros(len(exam.candidates))
            span_labels = [np.zeros(len(spans)) for spans in exam.spans]
            words = []
            following = [library.following(candidate.row) for candidate in exam.candidates]
            for i, candidate in enumerate(exam.candidates):
                passage = library.passages[candidate.row].passage
                words.append(len(passage.text.split()))
                if not item.answerable or not item.answers or all(is_yes_no_answer(a) for a in item.answers):
                    continue
                if passage.document_id in item.sources and contains_answer(passage.text, item.answers):
                    sentence_labels[i] = 1.0
                    span_labels[i] = np.asarray(
                        [1.0 if span_matches(s.text, item.answers) else 0.0 for s in exam.spans[i]]
                    )
            examples.append(
                Example(
                    item, question_set, exam, sentence_labels, span_labels, words=words, following=following
                )
            )
    # Folds of the written questions first, then of the borrowed ones: adding these changes no
    # written question's fold.
    for group in ([e for e in examples if not e.off_topic], [e for e in examples if e.off_topic]):
        order = np.random.default_rng(SEED).permutation(len(group))
        for position, index in enumerate(order):
            group[index].fold = position % FOLDS
    return examples


def off_topic_sets() -> list[tuple[QuestionSet, list[EvalQuestion]]]:
    """For each collection, every OFF_TOPIC_EVERY-th question of the other collections' training
    sets (follow-ups left out), as questions its documents do not answer.

    The training sets' unanswerable questions are near misses written with the documents' own
    words; a question from another field entirely ("how do sockets time out?" of council
    reports) was missing, and the answerability model learned nothing of it. Labelled
    "<collection>/train/off-topic" and reported apart from the written sets.
    """
    train = question_sets("train")
    found = []
    for collection in sorted({s.collection for s in train}, key=lambda c: c.name):
        asked = [
            item
            for s in train
            if s.collection != collection
            for item in load_dataset(s.path)
            if not item.history
        ]
        items = [
            replace(item, id=f"off-topic-{item.id}", answers=(), sources=(), answerable=False)
            for item in asked[::OFF_TOPIC_EVERY]
        ]
        found.append((QuestionSet(collection, "train", Path(f"{OFF_TOPIC}.jsonl")), items))
    return found
