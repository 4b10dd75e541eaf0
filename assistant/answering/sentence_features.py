"""Features of candidate sentences (SENTENCE_FEATURES): where retrieval ranked each, how much of
the question it and its neighbours hold, how it reads (a heading, a question, a reason given), and
how its best span is rated.

Does not score or choose.
"""

from __future__ import annotations

import math

import numpy as np

from assistant.answering.candidates import Candidate
from assistant.answering.features import SENTENCE_FEATURES
from assistant.answering.language import Parsed
from assistant.answering.overlap import (
    Context,
    asked_stems,
    lemma_stems,
    reading_lemma_stems,
    share,
    window_stems,
)
from assistant.answering.reading import QuestionKind, Reading, asks_for_span
from assistant.core import terms

HEADING_WORDS = 8  # a line this short without closing punctuation reads as a heading
# Closed-class words that open a clause giving a reason or purpose ("because ...", "to find out").
_REASON_MARKS = frozenset({"because", "since", "as", "so", "to", "in order"})
# Pronouns that may stand for a name in the sentence before ("She made 12 recommendations").
_PERSONAL = frozenset({"he", "she", "they", "it", "his", "her", "their", "its", "him", "them"})


def sentence_features(
    reading: Reading,
    candidates: list[Candidate],
    parsed: list[Parsed],
    best_span: list[float],
    query_vector: np.ndarray,
    context: Context,
) -> np.ndarray:
    """One row of SENTENCE_FEATURES per candidate. `best_span`: each sentence's best span
    probability (0 when the question asks for no span or none fits)."""
    library, vocabulary = context.library, context.vocabulary
    rows = [c.row for c in candidates]
    dense = library.vectors[rows] @ query_vector if rows else np.zeros(0)
    window = library.window_vectors_of(rows) @ query_vector if rows else np.zeros(0)
    stems = asked_stems(reading)
    coverage = [share(stems, context.stems_of_row(r), vocabulary) for r in rows]
    # Lemmas make "made" meet "make" and "children" meet "child", which surface stems miss.
    asked = reading_lemma_stems(reading)
    lemma_coverage = [share(asked, lemma_stems(p), vocabulary) for p in parsed]
    resolved = [
        share(asked, lemma_stems(p) | _antecedent_stems(context, c.row, p), vocabulary)
        for c, p in zip(candidates, parsed, strict=True)
    ]
    around = [share(stems, window_stems(context, r), vocabulary) for r in rows]
    top_score = max((c.hit.score for c in candidates if c.hit is not None), default=1.0) or 1.0
    cited = set(reading.already_cited)
    names = _question_names(reading)
    typed = asks_for_span(reading)
    focus = frozenset(terms.content_stems(reading.focus))
    table = []
    for i, (candidate, sentence) in enumerate(zip(candidates, parsed, strict=True)):
        hit = candidate.hit
        item = library.passages[candidate.row]
        text = item.passage.text.strip()
        previous = library.neighbours(item.id, before=1, after=0)
        previous_row = library.row_of[previous[0].id] if len(previous) > 1 else None
        following = library.neighbours(item.id, before=0, after=1)
        next_row = library.row_of[following[-1].id] if len(following) > 1 else None
        before = (
            share(stems, context.stems_of_row(previous_row), vocabulary) if previous_row is not None else 0.0
        )
        after = share(stems, context.stems_of_row(next_row), vocabulary) if next_row is not None else 0.0
        lemmas = {terms.stem(t.lemma) for t in sentence.tokens}
        reason = _has_reason_clause(sentence)
        negated = sentence.negated()
        values = {
            "fused_score_rel": (hit.score / top_score) if hit else 0.0,
            "fused_rank_inv": 1.0 / (1 + candidate.position) if candidate.position is not None else 0.0,
            "bm25_rank_inv": 1.0 / hit.bm25_rank if hit and hit.bm25_rank else 0.0,
            "dense_rank_inv": 1.0 / hit.dense_rank if hit and hit.dense_rank else 0.0,
            "window_rank_inv": 1.0 / hit.window_rank if hit and hit.window_rank else 0.0,
            "unranked_neighbour": 1.0 if candidate.position is None else 0.0,
            "dense_sim": float(dense[i]),
            "dense_sim_gap": float(dense[i] - dense.max()),
            "window_sim": float(window[i]),
            "window_sim_gap": float(window[i] - window.max()),
            "coverage": coverage[i],
            "coverage_gap": coverage[i] - max(coverage),
            "lemma_coverage": lemma_coverage[i],
            "lemma_coverage_gap": lemma_coverage[i] - max(lemma_coverage),
            "resolved_coverage": resolved[i],
            "resolved_coverage_gap": resolved[i] - max(resolved),
            "context_coverage": around[i],
            "context_coverage_gap": around[i] - max(around),
            "previous_coverage": before,
            "previous_coverage_gap": before - coverage[i],
            "next_coverage": after,
            "follows_match_x_span": before * best_span[i],
            "precedes_match_x_span": after * best_span[i],
            "question_names_share": _names_share(names, item.passage.text),
            "focus_in_sentence": 1.0 if focus and focus <= context.stems_of_row(candidate.row) else 0.0,
            "verb_match": 1.0 if reading.verbs and reading.verbs & lemmas else 0.0,
            "length_log": math.log1p(len(sentence.tokens)),
            "heading_like": 1.0 if _heading_like(text) else 0.0,
            "ends_with_colon": 1.0 if text.endswith(":") else 0.0,
            "is_question": 1.0 if text.endswith("?") else 0.0,
            "document_opening": 1.0 if item.position <= 1 else 0.0,
            "reason_clause": 1.0 if reason else 0.0,
            "why_x_reason": 1.0 if reason and reading.qtype == QuestionKind.WHY else 0.0,
            "how_x_reason": 1.0 if reason and reading.qtype == QuestionKind.HOW else 0.0,
            "negated_match": 1.0 if negated == reading.negated else 0.0,
            "already_cited": 1.0 if (item.passage.document_id, item.passage.start) in cited else 0.0,
            "best_span": best_span[i],
            "best_span_gap": best_span[i] - max(best_span),
            "typed_x_best_span": best_span[i] if typed else 0.0,
            "typed_x_best_span_gap": best_span[i] - max(best_span) if typed else 0.0,
        }
        table.append([values[name] for name in SENTENCE_FEATURES])
    return np.asarray(table, dtype=np.float64).reshape(len(candidates), len(SENTENCE_FEATURES))


def _antecedent_stems(context: Context, row: int, sentence: Parsed) -> set[str]:
    """For a sentence with a personal pronoun ("She made 12 recommendations"), the stems of the
    capitalised words (names, mostly) inside the sentence before it, whom the pronoun most likely
    means; empty otherwise."""
    if not any(t.pos == "PRON" and t.text.lower() in _PERSONAL for t in sentence.tokens):
        return set()
    library = context.library
    previous = library.neighbours(library.passages[row].id, before=1, after=0)
    if len(previous) < 2:
        return set()
    words = previous[0].passage.text.split()[1:]  # the first word is capitalised anyway
    return {terms.stem(w) for word in words if word[:1].isupper() for w in terms.words(word)}


def _question_names(reading: Reading) -> list[str]:
    """Folded texts of the names, dates and figures the question itself gives."""
    parsed = reading.parsed
    return [terms.fold(parsed.span_text(e)) for e in parsed.entities]


def _names_share(names: list[str], text: str) -> float:
    if not names:
        return 0.0
    folded = terms.fold(text)
    return sum(name in folded for name in names) / len(names)


def _heading_like(text: str) -> bool:
    return len(text.split()) <= HEADING_WORDS and not text.rstrip().endswith(
        (".", "!", "?", ":", ";", ",", '"', "”")
    )


def _has_reason_clause(sentence: Parsed) -> bool:
    """A clause giving a reason or purpose: "because ...", "so that ...", "to find out if ..."."""
    for token in sentence.tokens:
        if token.dep in ("mark", "aux") and token.lemma in _REASON_MARKS:
            head = sentence.tokens[token.head]
            if head.dep in ("advcl", "xcomp", "relcl", "acl", "ccomp") or token.dep == "mark":
                return True
    return False
