"""General features of candidate sentences, of the spans inside them, and of a whole question.

None names a word of any particular question, document or answer: they measure overlap weighted
by rarity, dense similarity of a sentence and of its neighbourhood, where a span sits in the
parse relative to the question's words, and whether a span is of the kind the question asks for.
The fitted model (`model`) decides how much each counts.

Does not score or choose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.candidates import Candidate
from assistant.answering.language import NEGATIONS, Parsed
from assistant.answering.reading import QTYPES, WH_TAGS, Reading
from assistant.answering.spans import KINDS, Span
from assistant.core import terms
from assistant.core.library import Library

HEADING_WORDS = 8  # a line this short without closing punctuation reads as a heading
ROLES = ("subject", "object", "agent", "prep-object", "apposition", "modifier", "conjunct", "root", "other")
_ROLE_OF_DEP = {
    "nsubj": "subject",
    "nsubjpass": "subject",
    "csubj": "subject",
    "dobj": "object",
    "attr": "object",
    "oprd": "object",
    "dative": "object",
    "appos": "apposition",
    "compound": "modifier",
    "amod": "modifier",
    "nmod": "modifier",
    "poss": "modifier",
    "nummod": "modifier",
    "npadvmod": "modifier",
    "conj": "conjunct",
    "ROOT": "root",
}
# Closed-class words that open a clause giving a reason or purpose ("because ...", "to find out").
_REASON_MARKS = frozenset({"because", "since", "as", "so", "to", "in order"})
KIND_PROTOTYPES = {
    "person": "person",
    "organisation": "organisation",
    "place": "place",
    "date": "date",
    "number": "number",
    "money": "amount of money",
    "name": "name",
    "thing": "thing",
}

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
    *(f"{q}_x_{k}" for q in QTYPES for k in KINDS),
    *(f"role_{r}" for r in ROLES),
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
    *(f"qtype_{q}" for q in QTYPES),
)


@dataclass
class Context:
    """What features are computed against: the library, word rarity and the encoder."""

    library: Library
    vocabulary: terms.Vocabulary
    embed: Callable[[Sequence[str]], np.ndarray]  # normalised vectors of short texts
    _stems: dict[int, frozenset[str]] = field(default_factory=dict)  # per library row, made once

    def stems_of_row(self, row: int) -> frozenset[str]:
        """The content stems of a library passage (cached: one library version per Context)."""
        found = self._stems.get(row)
        if found is None:
            found = frozenset(terms.content_stems(self.library.passages[row].passage.text))
            self._stems[row] = found
        return found


def lemma_stems(parsed: Parsed) -> set[str]:
    """Stems of the lemmas of a parsed text's content words."""
    return {
        terms.stem(t.lemma)
        for t in parsed.tokens
        if t.pos not in ("PUNCT", "SPACE") and t.lemma not in terms.STOPWORDS and len(t.lemma) > 1
    }


_PERSONAL = frozenset({"he", "she", "they", "it", "his", "her", "their", "its", "him", "them"})


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


def reading_lemma_stems(reading: Reading) -> list[str]:
    """The question's content words as lemma stems, wh-words and auxiliaries left out."""
    return sorted(
        lemma_stems(reading.parsed) - {terms.stem(t.lemma) for t in reading.parsed.tokens if t.tag in WH_TAGS}
    )


CONTEXT_WEIGHT = 0.3  # an earlier question's words, or a name a follow-up's pronoun stands for


def asked_stems(reading: Reading) -> dict[str, float]:
    """The question's content stems, each weighing 1, and its context's, weighing CONTEXT_WEIGHT:
    "What did he say about staff?" after "Who ...?" is about staff, said by the person named."""
    weights = dict.fromkeys(reading.context_stems, CONTEXT_WEIGHT)
    weights.update(dict.fromkeys(reading.stems, 1.0))
    return weights


def share(
    stems: Iterable[str] | dict[str, float], found: set[str] | frozenset[str], vocabulary: terms.Vocabulary
) -> float:
    """Share of `stems`, rarer ones weighing more, that `found` holds (abbreviations expanded).
    `stems` may map each stem to a weight of its own."""
    given = stems if isinstance(stems, dict) else dict.fromkeys(stems, 1.0)
    weights = {s: vocabulary.idf(s) * w for s, w in given.items()}
    total = sum(weights.values())
    if not total:
        return 0.0
    expanded = vocabulary.with_aliases(set(found))
    return sum(w for s, w in weights.items() if s in expanded) / total


def window_stems(context: Context, row: int) -> set[str]:
    """Stems of the sentence, its neighbours and what its document is (title, kind, publisher, year)."""
    library = context.library
    item = library.passages[row]
    found: set[str] = set()
    for neighbour in library.neighbours(item.id, before=1, after=1):
        found |= context.stems_of_row(library.row_of[neighbour.id])
    document = library.documents.get(item.passage.document_id)
    if document is not None:
        meta = document.meta
        found |= set(terms.content_stems(f"{document.title} {meta.kind} {meta.publisher}"))
        if meta.date:
            found.add(meta.date[:4])
    return found


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
        negated = any(t.lemma in NEGATIONS or t.dep == "neg" for t in sentence.tokens)
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
            "why_x_reason": 1.0 if reason and reading.qtype == "why" else 0.0,
            "how_x_reason": 1.0 if reason and reading.qtype == "how" else 0.0,
            "negated_match": 1.0 if negated == reading.negated else 0.0,
            "already_cited": 1.0 if (item.passage.document_id, item.passage.start) in cited else 0.0,
            "best_span": best_span[i],
            "best_span_gap": best_span[i] - max(best_span),
            "typed_x_best_span": best_span[i] if typed else 0.0,
            "typed_x_best_span_gap": best_span[i] - max(best_span) if typed else 0.0,
        }
        table.append([values[name] for name in SENTENCE_FEATURES])
    return np.asarray(table, dtype=np.float64).reshape(len(candidates), len(SENTENCE_FEATURES))


def span_features(
    reading: Reading,
    sentence: Parsed,
    spans: list[Span],
    sentence_coverage: float,
    sentence_dense_sim: float,
    focus_fit: dict[str, float],
    focus_sims: dict[str, float],
) -> np.ndarray:
    """One row of SPAN_FEATURES per span of one sentence. `focus_fit`: how well each kind fits the
    question's focus noun; `focus_sims`: each span text's similarity to that noun."""
    tokens = sentence.tokens
    focus = frozenset(terms.content_stems(reading.focus))
    question_positions = [
        i for i, t in enumerate(tokens) if t.pos not in ("PUNCT",) and terms.stem(t.lemma) in reading.stems
    ]
    kinds_here = [s.kind for s in spans]
    table = []
    for span in spans:
        words = [w for w in terms.words(span.text) if w not in terms.STOPWORDS]
        inside = range(span.first, span.last + 1)
        outside = [p for p in question_positions if p not in inside]
        distance = min((min(abs(p - span.first), abs(p - span.last)) for p in outside), default=len(tokens))
        values = dict.fromkeys(SPAN_FEATURES, 0.0)
        values[f"{reading.qtype}_x_{span.kind}"] = 1.0
        values[f"role_{_role(sentence, span)}"] = 1.0
        values["in_question"] = sum(w in reading.words for w in words) / len(words) if words else 1.0
        values["focus_sim"] = focus_sims.get(span.text, 0.0)
        values["focus_kind_fit"] = focus_fit.get(span.kind, 0.0)
        values["governed_by_question_verb"] = 1.0 if _governing_verb(sentence, span) in reading.verbs else 0.0
        values["attached_to_focus"] = 1.0 if focus and _attached_stems(sentence, span) & focus else 0.0
        values["distance_to_question_word"] = min(distance, 20) / 20
        values["next_to_question_word"] = 1.0 if distance <= 2 else 0.0
        values["is_entity"] = 1.0 if span.is_entity else 0.0
        values["proper_share"] = sum(tokens[i].pos == "PROPN" for i in inside) / len(inside)
        values["length_log"] = math.log1p(len(inside))
        values["position"] = span.first / max(len(tokens), 1)
        values["same_kind_in_sentence"] = math.log1p(kinds_here.count(span.kind) - 1)
        values["sentence_coverage"] = sentence_coverage
        values["sentence_dense_sim"] = sentence_dense_sim
        table.append([values[name] for name in SPAN_FEATURES])
    return np.asarray(table, dtype=np.float64).reshape(len(spans), len(SPAN_FEATURES))


# Whether the documents answer at all is judged on the same question-level evidence (the kind of
# question included: some kinds ask for details documents leave out more often than others).
ANSWERABILITY_FEATURES = CONFIDENCE_FEATURES


def confidence_features(
    reading: Reading,
    logits: np.ndarray,
    rows: list[int],
    lead: tuple[float, float],
    best_lead: list[float],
    sentence_table: np.ndarray,
    context: Context,
) -> np.ndarray:
    """CONFIDENCE_FEATURES of a question: how its best candidate stands, and whether the question's
    rarest words occur near the best candidates at all. `lead`: the best sentence's best lead-worthy
    span's rating and its share of all its spans' ratings; `best_lead`: each sentence's best
    lead-worthy span's rating (0 without one)."""
    order = np.argsort(-logits, kind="stable")
    top = int(order[0])
    top5 = order[:5]
    column = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    best = sentence_table[top]
    vocabulary = context.vocabulary
    weights = {s: vocabulary.idf(s) for s in reading.stems}
    total = sum(weights.values()) or 1.0
    unknown = sum(w for s, w in weights.items() if not vocabulary.frequency.get(s)) / total
    near = set().union(*(window_stems(context, rows[i]) for i in top5))
    missing = 1.0 - share(reading.stems, near, vocabulary)
    rarest = max(weights, key=lambda s: weights[s]) if weights else ""
    values = dict.fromkeys(CONFIDENCE_FEATURES, 0.0)
    values.update(
        {
            "top_logit": float(logits[top]),
            "margin_logit": float(logits[top] - logits[order[1]]) if len(order) > 1 else 5.0,
            "logit_over_top5_mean": float(logits[top] - logits[top5].mean()),
            "top_span_probability": lead[0],
            "top_span_share": lead[1],
            "top5_best_span": max(best_lead[i] for i in top5),
            "missing_from_top5": missing,
            "rarest_missing": 1.0
            if rarest and rarest not in vocabulary.with_aliases(window_stems(context, rows[top]))
            else 0.0,
            "top_context_coverage": float(best[column["context_coverage"]]),
            "top_coverage": float(best[column["coverage"]]),
            "top_dense_sim": float(best[column["dense_sim"]]),
            "top_window_sim": float(best[column["window_sim"]]),
            "unknown_share": unknown,
            f"qtype_{reading.qtype}": 1.0,
        }
    )
    if asks_for_span(reading):
        values["typed_x_top_span"] = lead[0]
        values["typed_x_top5_best_span"] = values["top5_best_span"]
        values["typed_without_lead"] = 1.0 if lead[1] == 0.0 else 0.0
    return np.asarray([[values[name] for name in CONFIDENCE_FEATURES]], dtype=np.float64)


def asks_for_span(reading: Reading) -> bool:
    """The question asks for a name, date, figure or place rather than an explanation."""
    return reading.qtype in ("who", "when", "where", "how-many", "how-much", "which")


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


def _role(sentence: Parsed, span: Span) -> str:
    token = sentence.tokens[span.root]
    if token.dep == "pobj" and sentence.tokens[token.head].dep == "agent":
        return "agent"
    if token.dep == "pobj":
        return "prep-object"
    return _ROLE_OF_DEP.get(token.dep, "other")


def _attached_stems(sentence: Parsed, span: Span) -> set[str]:
    """Stems of the span's own words and of the word it hangs on: "18 recommendations" holds
    "recommend"; "Phillip Evans" in "the director, Phillip Evans" hangs on "director"."""
    tokens = sentence.tokens
    stems = {terms.stem(tokens[i].lemma) for i in range(span.first, span.last + 1)}
    stems.add(terms.stem(tokens[tokens[span.root].head].lemma))
    return stems


def _governing_verb(sentence: Parsed, span: Span) -> str:
    """The stem of the nearest verb above the span in the parse: "carried out by Steve Walker" -> "carri"."""
    for index in sentence.path_to_root(span.root)[1:]:
        token = sentence.tokens[index]
        if token.pos in ("VERB", "AUX"):
            return terms.stem(token.lemma)
    return ""


def kind_fit(focus: str, embed: Callable[[Sequence[str]], np.ndarray]) -> dict[str, float]:
    """How much better each kind's prototype fits `focus` than the average kind; {} without a focus.

    Example: "regulator" fits "organisation" above the average, "date" below it.
    """
    if not focus:
        return {}
    vectors = embed([focus, *KIND_PROTOTYPES.values()])
    sims = vectors[1:] @ vectors[0]
    mean = float(sims.mean())
    return {kind: float(sim) - mean for kind, sim in zip(KIND_PROTOTYPES, sims, strict=True)}


def columns(row: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The CONFIDENCE_FEATURES columns of `row` that a model reads, in its order."""
    index = {name: i for i, name in enumerate(CONFIDENCE_FEATURES)}
    return row[:, [index[name] for name in names]]
