"""Fit the answer model on the training questions: `make fit` (`assistant fit`).

Only `train/` question sets are read. Every training question is examined exactly as the chat
would answer it (same retrieval, same candidates, same features), then labelled from its
accepted answers: a sentence is right when it contains one and comes from a listed source; a
span is right when it is (or closely holds) an accepted answer inside a right sentence.

Four linear models are fitted in order (span, sentence, then confidence and answerability;
the sentence model as a ranking of each question's candidates, `evals.ranking`); each later one
is trained on the earlier ones' out-of-fold outputs, so no model learns from predictions made on
its own training rows. Thresholds are chosen on out-of-fold
confidences. Then every training question is answered through the real `Assistant.ask` by a
model fitted without its fold, and the figures are printed: the cross-validated estimate
reported beside the test sets.

The same training files give the same model file: folds and solvers are seeded, sums run on one
thread, and the collections are embedded afresh on one thread (see `assistant fit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.answerer import Examination
from assistant.answering.compose import LeadSpan, best_lead_span
from assistant.answering.features import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    columns,
)
from assistant.answering.model import AnswerModel, LinearModel, Thresholds
from assistant.core.service import Assistant, Readers
from evals.collections import Collection, QuestionSet, question_sets
from evals.dataset import EvalQuestion, load_dataset
from evals.metrics import Outcome, contains_answer, is_yes_no_answer, normalise, score, summarise
from evals.ranking import fit_ranking

FOLDS = 5
SEED = 20251129
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
MAX_SPAN_EXTRA_WORDS = 3  # a span holding the answer may say this many words more ("over 400")
WORDS_CEILING = 40.0  # mean answer words the threshold search may not exceed (the target is 45)
LEAD_TOLERANCE = 0.005  # of first lines right, a short lead may cost (one question in 200)
FALSE_REFUSALS_CEILING = 0.10  # the target: at most one answerable question in ten refused
OFF_TOPIC = "off-topic"  # the label of the questions borrowed from another collection
OFF_TOPIC_EVERY = 5  # one question in this many of the other collections' training sets
OFF_TOPIC_FALSE_REFUSALS = 0.01  # answerable questions the off-topic refusal may cost (1 in 100)


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
            examples.append(Example(item, question_set, exam, sentence_labels, span_labels, words=words))
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


def _fit_linear(table: np.ndarray, labels: np.ndarray, features: tuple[str, ...], c: float) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean = table.mean(axis=0)
    scale = table.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    if labels.min() == labels.max():  # nothing to learn from (a fold with one class)
        return LinearModel(features, tuple(mean), tuple(scale), (0.0,) * len(features), -4.0)
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    model.fit((table - mean) / scale, labels)
    return LinearModel(
        features,
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in model.coef_[0]),
        round(float(model.intercept_[0]), 6),
    )


def _span_rows(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """All spans of ranking questions, with labels and (example, candidate) of each table."""
    tables, labels, owners = [], [], []
    for e_index, example in enumerate(examples):
        if not example.for_ranking:
            continue
        for c_index, (table, label) in enumerate(
            zip(example.exam.span_tables, example.span_labels, strict=True)
        ):
            if len(table):
                tables.append(table)
                labels.append(label)
                owners.append((e_index, c_index))
    width = len(SPAN_FEATURES)
    return (
        np.vstack(tables) if tables else np.zeros((0, width)),
        np.concatenate(labels) if labels else np.zeros(0),
        owners,
    )


@dataclass
class Stage:
    """Out-of-fold outputs for every example: each span's and sentence's rating, and confidence."""

    span: list[list[np.ndarray]]
    sentence_tables: list[np.ndarray]
    logits: list[np.ndarray]
    confidence: np.ndarray
    answerable: np.ndarray
    off_topic: np.ndarray


def _ranks(example: Example) -> bool:
    """Whether the sentence and confidence models learn from the question: a written question whose
    right sentence can be told from its words, or that the documents do not answer."""
    return not example.off_topic and (example.for_ranking or not example.answerable)


def _span_ratings(model: LinearModel, example: Example) -> list[np.ndarray]:
    return [model.probabilities(t) if len(t) else np.zeros(0) for t in example.exam.span_tables]


def _sentence_table(
    assistant_for: Callable[[Example], Assistant], example: Example, ratings: list[np.ndarray]
) -> np.ndarray:
    best = [float(r.max()) if len(r) else 0.0 for r in ratings]
    return assistant_for(example).answerer.sentence_table(example.exam, best)


def _confidence_row(
    assistant_for: Callable[[Example], Assistant],
    example: Example,
    logits: np.ndarray,
    table: np.ndarray,
    ratings: list[np.ndarray],
) -> np.ndarray:
    exam = example.exam
    leads = [
        best_lead_span(exam.reading, s, r, exam.focus_fit) for s, r in zip(exam.spans, ratings, strict=True)
    ]
    return assistant_for(example).answerer.question_row(exam, logits, table, leads)


def _top_right(example: Example, logits: np.ndarray) -> float:
    return float(example.sentence_labels[int(np.argmax(logits))]) if len(logits) else 0.0


def _choose_c(score_for: Callable[[float], float]) -> float:
    """The regularisation scoring best out of fold; the strongest among those within 0.001."""
    scores = {c: score_for(c) for c in C_GRID}
    best = max(scores.values())
    return min(c for c in C_GRID if scores[c] >= best - 1e-3)


def fit_models(
    examples: list[Example], assistant_for: Callable[[Example], Assistant], report: Callable[[str], None]
) -> tuple[AnswerModel, Stage, dict[str, float]]:
    """The four models on all examples, and out-of-fold outputs for choosing thresholds."""
    folds = sorted({e.fold for e in examples})
    span_table, span_labels, owners = _span_rows(examples)
    span_fold = (
        np.concatenate([np.full(len(examples[e].exam.span_tables[c]), examples[e].fold) for e, c in owners])
        if owners
        else np.zeros(0)
    )

    def span_oof(c: float) -> list[list[np.ndarray]]:
        ratings = [[np.zeros(len(t)) for t in e.exam.span_tables] for e in examples]
        for fold in folds:
            train = span_fold != fold
            model = _fit_linear(span_table[train], span_labels[train], SPAN_FEATURES, c)
            for e_index, example in enumerate(examples):
                if example.fold == fold:
                    ratings[e_index] = _span_ratings(model, example)
        return ratings

    def span_top1(c: float) -> float:
        ratings = span_oof(c)
        hits = total = 0
        for example, rating in zip(examples, ratings, strict=True):
            for labels, r in zip(example.span_labels, rating, strict=True):
                if len(r) and labels.max() > 0:
                    total += 1
                    hits += int(labels[int(np.argmax(r))] > 0)
        return hits / max(total, 1)

    span_c = _choose_c(span_top1)
    span_ratings = span_oof(span_c)
    report(
        f"span model: C={span_c}, top span right in {span_top1(span_c):.3f} of right sentences (out of fold)"
    )

    tables = [_sentence_table(assistant_for, e, r) for e, r in zip(examples, span_ratings, strict=True)]

    def sentence_oof(c: float) -> list[np.ndarray]:
        logits: list[np.ndarray] = [np.zeros(0)] * len(examples)
        for fold in folds:
            train = [i for i, e in enumerate(examples) if e.fold != fold and _ranks(e)]
            model = fit_ranking(
                [tables[i] for i in train],
                [examples[i].sentence_labels for i in train],
                SENTENCE_FEATURES,
                c,
                SEED,
            )
            for i, example in enumerate(examples):
                if example.fold == fold:
                    logits[i] = model.logits(tables[i])
        return logits

    def sentence_top1(c: float) -> float:
        logits = sentence_oof(c)
        ranked = [i for i, e in enumerate(examples) if e.for_ranking]
        return float(np.mean([_top_right(examples[i], logits[i]) for i in ranked]))

    sentence_c = _choose_c(sentence_top1)
    logits = sentence_oof(sentence_c)
    groups: dict[str, list[float]] = {}
    for example, found in zip(examples, logits, strict=True):
        if example.for_ranking:
            key = f"{example.question_set.collection.name}/{example.exam.reading.qtype}"
            groups.setdefault(key, []).append(_top_right(example, found))
    report(
        "  top sentence right, by collection and kind of question: "
        + ", ".join(f"{k} {np.mean(v):.2f} (n={len(v)})" for k, v in sorted(groups.items()))
    )
    report(
        f"sentence model: C={sentence_c}, top sentence right for {sentence_top1(sentence_c):.3f} "
        "of questions (out of fold)"
    )

    confidence_rows = np.vstack(
        [
            _confidence_row(assistant_for, e, lg, t, r)
            for e, lg, t, r in zip(examples, logits, tables, span_ratings, strict=True)
        ]
    )
    usable = np.asarray([_ranks(e) for e in examples])
    confidence_labels = np.asarray(
        [_top_right(e, lg) if e.answerable else 0.0 for e, lg in zip(examples, logits, strict=True)]
    )
    example_folds = np.asarray([e.fold for e in examples])
    confidence, confidence_model, confidence_c = _question_model(
        confidence_rows,
        CONFIDENCE_FEATURES,
        confidence_labels,
        usable,
        example_folds,
        "confidence (best sentence answers)",
        report,
    )
    answerable_labels = np.asarray([1.0 if e.answerable else 0.0 for e in examples])
    written = np.asarray([not e.off_topic for e in examples])
    question_rows = columns(confidence_rows, ANSWERABILITY_FEATURES)
    answerable, answerable_model, answerable_c = _question_model(
        question_rows,
        ANSWERABILITY_FEATURES,
        answerable_labels,
        written,
        example_folds,
        "answerability",
        report,
    )
    off_topic_labels = np.asarray([1.0 if e.off_topic else 0.0 for e in examples])
    everyone = np.ones(len(examples), dtype=bool)
    off_topic, off_topic_model, off_topic_c = _question_model(
        question_rows, ANSWERABILITY_FEATURES, off_topic_labels, everyone, example_folds, "off-topic", report
    )

    span_model = _fit_linear(span_table, span_labels, SPAN_FEATURES, span_c)
    ranking = [i for i, e in enumerate(examples) if _ranks(e)]
    sentence_model = fit_ranking(
        [tables[i] for i in ranking],
        [examples[i].sentence_labels for i in ranking],
        SENTENCE_FEATURES,
        sentence_c,
        SEED,
    )
    stage = Stage(span_ratings, tables, logits, confidence, answerable, off_topic)
    chosen = {
        "span_c": span_c,
        "sentence_c": sentence_c,
        "confidence_c": confidence_c,
        "answerable_c": answerable_c,
        "off_topic_c": off_topic_c,
    }
    placeholder = Thresholds(0.5, 0.5, 0.5, 0.0)
    model = AnswerModel(
        span_model, sentence_model, confidence_model, answerable_model, off_topic_model, placeholder, ()
    )
    return model, stage, chosen


def _question_model(
    rows: np.ndarray,
    names: tuple[str, ...],
    labels: np.ndarray,
    usable: np.ndarray,
    folds: np.ndarray,
    name: str,
    report: Callable[[str], None],
) -> tuple[np.ndarray, LinearModel, float]:
    """A question-level model on the columns `names`: out-of-fold probabilities for every question,
    the model fitted on all usable ones, and the regularisation that ranked best out of fold."""
    from sklearn.metrics import roc_auc_score

    def out_of_fold(c: float) -> np.ndarray:
        found = np.zeros(len(labels))
        for fold in sorted(set(folds.tolist())):
            train = usable & (folds != fold)
            model = _fit_linear(rows[train], labels[train], names, c)
            found[folds == fold] = model.probabilities(rows[folds == fold])
        return found

    def auc(c: float) -> float:
        return float(roc_auc_score(labels[usable], out_of_fold(c)[usable]))

    c = _choose_c(auc)
    report(f"{name} model: C={c}, AUC {auc(c):.3f} (out of fold)")
    return out_of_fold(c), _fit_linear(rows[usable], labels[usable], names, c), c


def choose_thresholds(examples: list[Example], stage: Stage, report: Callable[[str], None]) -> Thresholds:
    """Thresholds that do best on the out-of-fold outputs of the training questions.

    Refusal: the answerability that gives the most answer accuracy (answered with the right
    sentence) plus refusal accuracy while refusing at most FALSE_REFUSALS_CEILING of the
    answerable questions. Shape: the confidence below which a second sentence rated close behind
    is shown too, and how close, giving the most right answers while the mean answer stays under
    WORDS_CEILING words. Lead (above that confidence): see LEAD_TOLERANCE.
    """
    grid = np.round(np.arange(0.02, 0.96, 0.02), 2)
    answerable = np.asarray([e.answerable for e in examples])
    confidence = stage.confidence

    ranking_all = np.asarray([e.for_ranking for e in examples])
    top_right = np.asarray([_top_right(e, lg) for e, lg in zip(examples, stage.logits, strict=True)])

    # Refusal accuracy is weighed on the written unanswerable questions only: the borrowed
    # off-topic ones teach the model, but are refused at almost any threshold and would hide
    # what a threshold costs on near misses.
    written = np.asarray([not e.off_topic for e in examples])

    def accuracies(t: float) -> float:
        """Answer accuracy (answered with the right sentence) plus refusal accuracy, out of fold."""
        answered = stage.answerable >= t
        answer_accuracy = float((answered & (top_right > 0))[ranking_all].mean())
        return answer_accuracy + float((~answered[~answerable & written]).mean())

    def false_refusals(t: float) -> float:
        return float((stage.answerable < t)[answerable].mean())

    allowed = [t for t in grid if false_refusals(t) <= FALSE_REFUSALS_CEILING] or [float(grid[0])]
    answer_t = float(max(allowed, key=lambda t: (round(accuracies(t), 4), -t)))

    ranking = [i for i, e in enumerate(examples) if e.for_ranking and stage.answerable[i] >= answer_t]

    def middle(sure_t: float, second: float) -> tuple[float, float]:
        """Answers right (either sentence) and mean words, when a question rated below `sure_t`
        shows a second sentence rated within `second` of the first."""
        right = words = 0.0
        for i in ranking:
            order = np.argsort(-stage.logits[i], kind="stable")
            labels, sizes = examples[i].sentence_labels, examples[i].words
            if confidence[i] < sure_t and len(order) > 1:
                probabilities = 1 / (1 + np.exp(-stage.logits[i]))
                if probabilities[order[1]] >= probabilities[order[0]] - second:
                    right += max(labels[order[0]], labels[order[1]])
                    words += sizes[order[0]] + sizes[order[1]] + 7
                    continue
            right += labels[order[0]]
            words += sizes[order[0]]
        return right, words / max(len(ranking), 1)

    seconds = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
    shapes = [(float(t), s) for t in grid for s in seconds if middle(float(t), s)[1] <= WORDS_CEILING]
    lead_t, second_t = max(shapes, key=lambda p: (middle(*p)[0], -p[0], -p[1])) if shapes else (0.0, 0.0)

    def lead(index: int) -> LeadSpan | None:
        exam = examples[index].exam
        top = int(np.argmax(stage.logits[index]))
        return best_lead_span(exam.reading, exam.spans[top], stage.span[index][top], exam.focus_fit)

    def first_line_right(index: int, span_t: float) -> bool:
        """What the reader sees first is right: the lead when one is given, else the sentence."""
        found = lead(index)
        if confidence[index] >= lead_t and found is not None and found.share >= span_t:
            return span_matches(found.span.text, examples[index].item.answers)
        return bool(examples[index].sentence_labels[int(np.argmax(stage.logits[index]))])

    def leads_given(span_t: float) -> int:
        return sum(
            confidence[i] >= lead_t and (found := lead(i)) is not None and found.share >= span_t
            for i in ranking
        )

    # A short lead is worth giving when it is about as often right as the sentence it goes before:
    # the span share, among those within LEAD_TOLERANCE of the most right first lines, that gives
    # the most leads.
    rights = {float(t): sum(first_line_right(i, float(t)) for i in ranking) for t in grid}
    best_right = max(rights.values(), default=0)
    near = [t for t, right in rights.items() if right >= best_right - LEAD_TOLERANCE * len(ranking)]
    span_t = max(near, key=lambda t: (leads_given(t), t)) if near else 1.0

    # Off topic: refuse from the lowest probability that refuses at most OFF_TOPIC_FALSE_REFUSALS of
    # the written answerable questions (the near misses are the answerability model's to refuse).
    kept = answerable & written
    off_topic_t = min(
        (float(t) for t in grid if (stage.off_topic[kept] >= t).mean() <= OFF_TOPIC_FALSE_REFUSALS),
        default=1.0,
    )
    thresholds = Thresholds(
        answer=answer_t, lead=lead_t, span=span_t, second=float(second_t), off_topic=off_topic_t
    )
    answered = stage.answerable >= answer_t
    right, words = middle(lead_t, second_t)
    count = max(len(ranking), 1)
    report(
        "out of fold at these thresholds: written unanswerable refused "
        f"{(~answered[~answerable & written]).mean():.3f}, "
        f"answerable refused {(~answered[answerable]).mean():.3f}, answers right when answered "
        f"{right / count:.3f}, first lines right {rights.get(span_t, 0) / count:.3f} "
        f"({leads_given(span_t)} leads in {len(ranking)} answers), mean words {words:.1f}"
    )
    refused = stage.off_topic >= off_topic_t
    report(
        f"off-topic from {off_topic_t}: refuses {refused[~written].mean():.3f} of the borrowed questions, "
        f"{refused[kept].mean():.3f} of the written answerable ones"
    )
    report(
        f"thresholds: refuse below {thresholds.answer}; one sentence from {thresholds.lead}, with a "
        f"lead when its span holds {thresholds.span} of its sentence's span ratings; below it, a "
        f"second sentence rated within {thresholds.second}"
    )
    return thresholds


def cross_validated_figures(
    examples: list[Example],
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    chosen: dict[str, float],
    thresholds: Thresholds,
    report: Callable[[str], None],
) -> dict[str, dict[str, float]]:
    """Every training question answered through `Assistant.ask` by a model fitted without it."""
    outcomes: dict[str, list[Outcome]] = {}
    for fold in sorted({e.fold for e in examples}):
        training = [e for e in examples if e.fold != fold]
        model = refit(training, readers, open_assistant, chosen, thresholds)
        fold_readers = replace(readers, model=model)
        assistants: dict[str, Assistant] = {}
        for example in examples:
            if example.fold != fold:
                continue
            collection = example.question_set.collection
            if collection.name not in assistants:
                assistants[collection.name] = open_assistant(collection, fold_readers)
            assistant = assistants[collection.name]
            texts = {d: doc.text for d, doc in assistant.library.documents.items()}
            answer = assistant.ask(example.item.question, list(example.item.history)).to_dict()
            outcomes.setdefault(example.question_set.label, []).append(
                score(example.item, answer, 0.0, texts)
            )
    figures = {label: summarise(found) for label, found in sorted(outcomes.items())}
    everything = [o for label, found in outcomes.items() if not label.endswith(OFF_TOPIC) for o in found]
    figures["all training questions"] = summarise(everything)
    for label, metrics in figures.items():
        report(
            f"cross-validated {label}: answer {metrics['answer_accuracy']:.3f}, "
            f"lead {metrics['lead_accuracy']:.3f}, "
            f"refusal {metrics['refusal_accuracy']:.3f}, false refusals {metrics['false_refusals']:.3f}, "
            f"words {metrics['answer_words_mean']:.1f}"
        )
    return figures


def refit(
    examples: list[Example],
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    chosen: dict[str, float],
    thresholds: Thresholds,
) -> AnswerModel:
    """The four models fitted on `examples` with the regularisation already chosen."""
    assistants: dict[str, Assistant] = {}

    def assistant_for(example: Example) -> Assistant:
        name = example.question_set.collection.name
        if name not in assistants:
            assistants[name] = open_assistant(example.question_set.collection, readers)
        return assistants[name]

    span_table, span_labels, _ = _span_rows(examples)
    span_model = _fit_linear(span_table, span_labels, SPAN_FEATURES, chosen["span_c"])
    ranking = [e for e in examples if _ranks(e)]
    tables = {id(e): _sentence_table(assistant_for, e, _span_ratings(span_model, e)) for e in ranking}
    sentence_model = fit_ranking(
        [tables[id(e)] for e in ranking],
        [e.sentence_labels for e in ranking],
        SENTENCE_FEATURES,
        chosen["sentence_c"],
        SEED,
    )
    rows, labels, answerable = [], [], []
    for e in examples:
        if id(e) not in tables:  # an answerable yes/no question: only answerability learns from it
            tables[id(e)] = _sentence_table(assistant_for, e, _span_ratings(span_model, e))
        logits = sentence_model.logits(tables[id(e)])
        rows.append(_confidence_row(assistant_for, e, logits, tables[id(e)], _span_ratings(span_model, e)))
        labels.append(_top_right(e, logits) if e.answerable else 0.0)
        answerable.append(1.0 if e.answerable else 0.0)
    usable = np.asarray([_ranks(e) for e in examples])
    written = np.asarray([not e.off_topic for e in examples])
    table = np.vstack(rows)
    confidence_model = _fit_linear(
        table[usable], np.asarray(labels)[usable], CONFIDENCE_FEATURES, chosen["confidence_c"]
    )
    question_rows = columns(table, ANSWERABILITY_FEATURES)
    answerable_model = _fit_linear(
        question_rows[written],
        np.asarray(answerable)[written],
        ANSWERABILITY_FEATURES,
        chosen["answerable_c"],
    )
    off_topic_labels = np.asarray([1.0 if e.off_topic else 0.0 for e in examples])
    off_topic_model = _fit_linear(
        question_rows, off_topic_labels, ANSWERABILITY_FEATURES, chosen["off_topic_c"]
    )
    return AnswerModel(
        span_model, sentence_model, confidence_model, answerable_model, off_topic_model, thresholds, ()
    )


def fit(
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    path: Path,
    report: Callable[[str], None],
    cross_validate: bool = True,
) -> dict[str, Any]:
    """Examine, fit, choose thresholds, write `path`, and (optionally) report cross-validated figures."""
    assistants: dict[str, Assistant] = {}

    def assistant_of(collection: Collection) -> Assistant:
        if collection.name not in assistants:
            assistants[collection.name] = open_assistant(collection, readers)
        return assistants[collection.name]

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one BLAS thread: the same sums in the same order, every run
        return _fit(readers, open_assistant, path, report, cross_validate, assistant_of)


def _fit(
    readers: Readers,
    open_assistant: Callable[[Collection, Readers], Assistant],
    path: Path,
    report: Callable[[str], None],
    cross_validate: bool,
    assistant_of: Callable[[Collection], Assistant],
) -> dict[str, Any]:
    examples = examine_all(assistant_of)
    ranking = [e for e in examples if e.for_ranking]
    reachable = np.mean([e.sentence_labels.max() > 0 if len(e.sentence_labels) else 0 for e in ranking])
    report(
        f"{len(examples)} training questions ({len(ranking)} with a findable answer sentence, "
        f"{sum(not e.answerable for e in examples)} unanswerable); the right sentence is among the "
        f"candidates for {reachable:.3f} of them"
    )
    model, stage, chosen = fit_models(examples, lambda e: assistant_of(e.question_set.collection), report)
    thresholds = choose_thresholds(examples, stage, report)
    sets = tuple(sorted({e.question_set.label for e in examples}))
    model = replace(model, thresholds=thresholds, trained_on=sets)
    model.save(path)
    report(f"wrote {path}")
    result: dict[str, Any] = {"model": str(path), "regularisation": chosen, "thresholds": thresholds.__dict__}
    if cross_validate:
        result["cross_validated"] = cross_validated_figures(
            examples, readers, open_assistant, chosen, thresholds, report
        )
    return result
