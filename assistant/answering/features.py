"""The names and order of the features the fitted model reads: one table of span features, one of
sentence features, one row of question-level features (confidence and answerability).

None names a word of any particular question, document or answer: they measure overlap weighted
by rarity, dense similarity of a sentence and of its neighbourhood, where a span sits in the
parse relative to the question's words, and whether a span is of the kind the question asks for.
The fitted model (`model`) decides how much each counts, and its file names these features: a
name or its place changed here means `make fit` again.

Computed in `span_features`, `sentence_features` and `question_features`; does not score or choose.
"""

from __future__ import annotations

import numpy as np

from assistant.answering.reading import QuestionKind
from assistant.answering.spans import SpanKind, SpanRole

SENTENCE_FEATURES = (
    "fused_score_rel",
    "fused_rank_inv",
    "bm25_rank_inv",
    "dense_rank_inv",
    "window_rank_inv",
    "unranked_neighbour",
    "dense_sim",
    "dense_sim_gap",
    "window_sim",
    "window_sim_gap",
    "coverage",
    "coverage_gap",
    "lemma_coverage",
    "lemma_coverage_gap",
    "resolved_coverage",
    "resolved_coverage_gap",
    "context_coverage",
    "context_coverage_gap",
    "previous_coverage",
    "previous_coverage_gap",
    "next_coverage",
    "follows_match_x_span",
    "precedes_match_x_span",
    "question_names_share",
    "focus_in_sentence",
    "verb_match",
    "length_log",
    "heading_like",
    "ends_with_colon",
    "is_question",
    "document_opening",
    "reason_clause",
    "why_x_reason",
    "how_x_reason",
    "negated_match",
    "already_cited",
    "best_span",
    "best_span_gap",
    "typed_x_best_span",
    "typed_x_best_span_gap",
)
SPAN_FEATURES = (
    *(f"{q}_x_{k}" for q in QuestionKind for k in SpanKind),
    *(f"role_{r}" for r in SpanRole),
    "in_question",
    "focus_sim",
    "focus_kind_fit",
    "governed_by_question_verb",
    "attached_to_focus",
    "distance_to_question_word",
    "next_to_question_word",
    "is_entity",
    "proper_share",
    "length_log",
    "position",
    "same_kind_in_sentence",
    "sentence_coverage",
    "sentence_dense_sim",
)
CONFIDENCE_FEATURES = (
    "top_logit",
    "margin_logit",
    "logit_over_top5_mean",
    "top_span_probability",
    "top_span_share",
    "top5_best_span",
    "missing_from_top5",
    "rarest_missing",
    "typed_x_top_span",
    "typed_x_top5_best_span",
    "typed_without_lead",
    "top_context_coverage",
    "top_coverage",
    "top_dense_sim",
    "top_window_sim",
    "unknown_share",
    "verb_in_any_candidate",
    *(f"qtype_{q}" for q in QuestionKind),
)
# Whether the documents answer at all is judged on the same question-level evidence (the kind of
# question included: some kinds ask for details documents leave out more often than others).
ANSWERABILITY_FEATURES = CONFIDENCE_FEATURES


def columns(row: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The CONFIDENCE_FEATURES columns of `row` that a model reads, in its order."""
    index = {name: i for i, name in enumerate(CONFIDENCE_FEATURES)}
    return row[:, [index[name] for name in names]]
