"""Choosing when an answer shows a second sentence (`evals.fitting.answer_shape`), on made-up ratings."""

from __future__ import annotations

from assistant.core.answer_assembly import two_places_opening
from evals.fitting.answer_shape import AnsweredQuestion, Rated, Shape, choose_shape, outcome
from evals.metrics import answer_words

GRID = [round(0.1 * i, 1) for i in range(1, 10)]


def _question(collection: str, words: int, second_right: bool) -> AnsweredQuestion:
    """A question answered at middling confidence whose best sentence is wrong and whose second,
    rated close behind, is right or not."""
    return AnsweredQuestion(collection, 0.5, (Rated(0.6, words, False), Rated(0.55, words, second_right)))


def test_second_sentences_are_shown_where_they_fit_each_collections_words() -> None:
    # Pooled, every pair shown averages (40 * 28 + 10 * 78) / 50 = 38 words (the two sentences and
    # the eight words before them), under the ceiling; but the long collection's own would average 78.
    short = [_question("short", 10, second_right=True) for _ in range(40)]
    long = [_question("long", 35, second_right=True) for _ in range(10)]
    shape = choose_shape(short + long, GRID, ceiling=40.0)
    right, words = outcome(short + long, shape)
    assert right == 40  # every short question's pair, no long one's
    assert words <= 40.0
    assert shape.pair_words is not None and 27 <= shape.pair_words < 77


def test_no_second_sentence_when_it_buys_no_right_answer() -> None:
    questions = [_question("one", 10, second_right=False) for _ in range(20)]
    shape = choose_shape(questions, GRID, ceiling=40.0)
    assert outcome(questions, shape) == (0, 10.0)


def test_a_confident_answer_shows_its_best_sentence_alone() -> None:
    sure = AnsweredQuestion("one", 0.9, (Rated(0.9, 10, True), Rated(0.89, 10, False)))
    assert outcome([sure], Shape(lead=0.8, second=0.5, pair_words=None)) == (1, 10.0)
    assert outcome([sure], Shape(lead=0.95, second=0.5, pair_words=None)) == (1, 28.0)


def test_a_second_sentence_right_after_the_best_costs_no_preamble() -> None:
    apart = AnsweredQuestion("one", 0.5, (Rated(0.6, 10, False), Rated(0.55, 10, True)))
    after = AnsweredQuestion("one", 0.5, (Rated(0.6, 10, False), Rated(0.55, 10, True, follows_best=True)))
    shape = Shape(lead=0.8, second=0.2, pair_words=None)
    assert outcome([apart], shape) == (1, 28.0)
    assert outcome([after], shape) == (1, 20.0)


def test_two_places_cost_the_words_the_answer_opens_with_in_its_collections_name() -> None:
    opening = two_places_opening("the papers of the harbour trust")
    pair = AnsweredQuestion(
        "harbour", 0.5, (Rated(0.6, 10, False), Rated(0.55, 10, True)), len(opening.split())
    )
    shape = Shape(lead=0.8, second=0.2, pair_words=None)
    assert outcome([pair], shape) == (1, 20.0 + answer_words(opening))
    assert answer_words(opening) == 12
