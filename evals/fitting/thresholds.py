"""The thresholds that do best on the training questions' out-of-fold outputs.

Where to refuse, where to refuse as off-topic, when one sentence is shown with a short lead and
when a second sentence is shown too. Reads the out-of-fold `Stage`; fits no model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.answering.compose import LeadSpan, best_lead_span
from assistant.answering.model import Thresholds, probabilities_of
from assistant.core.answer_assembly import two_places_opening
from evals.fitting.answer_shape import AnsweredQuestion, Rated, choose_shape, outcome
from evals.fitting.answerability_check import question_kinds, refused_by_kind
from evals.fitting.examples import Example, span_matches
from evals.fitting.out_of_fold import Stage
from evals.fitting.rows import top_sentence_right

WORDS_CEILING = 40.0  # mean answer words of any collection the threshold search may not exceed (target 45)
LEAD_TOLERANCE = 0.005  # of first lines right, a short lead may cost (one question in 200)
FALSE_REFUSALS_CEILING = 0.10  # the target: at most one answerable question in ten refused
OFF_TOPIC_FALSE_REFUSALS = 0.01  # answerable questions the off-topic refusal may cost (1 in 100)


def choose_thresholds(examples: list[Example], stage: Stage, report: Callable[[str], None]) -> Thresholds:
    """Thresholds that do best on the out-of-fold outputs of the training questions.

    Refusal: the answerability that gives the most answer accuracy (answered with the right
    sentence) plus refusal accuracy while refusing at most FALSE_REFUSALS_CEILING of the
    answerable questions. Shape: the confidence below which a second sentence rated close behind
    is shown too, how close, and how many words the two may hold, giving the most right answers
    while each collection's mean answer stays under WORDS_CEILING words. Lead (above that
    confidence): see LEAD_TOLERANCE.
    """
    grid = np.round(np.arange(0.02, 0.96, 0.02), 2)
    answerable = np.asarray([e.answerable for e in examples])
    confidence = stage.confidence

    ranking_all = np.asarray([e.for_ranking for e in examples])
    top_right = np.asarray([top_sentence_right(e, lg) for e, lg in zip(examples, stage.logits, strict=True)])

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

    answered_questions = [_answered(examples[i], stage.logits[i], float(confidence[i])) for i in ranking]
    shape = choose_shape(answered_questions, [float(t) for t in grid], WORDS_CEILING)
    lead_t, second_t, pair_words = shape.lead, shape.second, shape.pair_words

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
        answer=answer_t,
        lead=lead_t,
        span=span_t,
        second=float(second_t),
        off_topic=off_topic_t,
        pair_words=pair_words,
    )
    answered = stage.answerable >= answer_t
    right, words = outcome(answered_questions, shape)
    count = max(len(ranking), 1)
    report(
        "out of fold at these thresholds: written unanswerable refused "
        f"{(~answered[~answerable & written]).mean():.3f}, "
        f"answerable refused {(~answered[answerable]).mean():.3f}, answers right when answered "
        f"{right / count:.3f}, first lines right {rights.get(span_t, 0) / count:.3f} "
        f"({leads_given(span_t)} leads in {len(ranking)} answers), mean words {words:.1f} "
        "(the wordiest collection's)"
    )
    kinds = question_kinds(examples)
    report(
        "refused out of fold by kind of question, unanswerable / answerable (written questions): "
        + refused_by_kind(
            answerable[written].astype(float), stage.answerable[written], kinds[written], answer_t
        )
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
        + (f", the two in at most {pair_words} words" if pair_words is not None else "")
    )
    return thresholds


def _answered(example: Example, logits: np.ndarray, confidence: float) -> AnsweredQuestion:
    """An answered question's two best sentences as `answer_shape` reads them."""
    order = [int(o) for o in np.argsort(-logits, kind="stable")[:2]]
    rows = [example.exam.candidates[o].row for o in order]
    probabilities = probabilities_of(logits)
    return AnsweredQuestion(
        example.question_set.collection.name,
        confidence,
        tuple(
            Rated(
                float(probabilities[o]),
                example.words[o],
                bool(example.sentence_labels[o]),
                follows_best=place == 1 and example.following[order[0]] == rows[1],
            )
            for place, o in enumerate(order)
        ),
        len(two_places_opening(example.question_set.collection.called).split()),
    )
