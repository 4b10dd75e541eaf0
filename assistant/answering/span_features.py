"""Features of the spans of a sentence (SPAN_FEATURES): the kind of span against the kind of
question, its role in the parse, where it sits relative to the question's words and verb, how
well it fits the question's focus noun; and how well each kind of span fits that noun (`kind_fit`).

Does not score or choose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from assistant.answering.features import SPAN_FEATURES
from assistant.answering.language import Parsed
from assistant.answering.reading import Reading
from assistant.answering.spans import Span, SpanKind, role
from assistant.core import terms

# What each kind of span is called in plain words, for comparing with a question's focus noun.
KIND_PROTOTYPES = {
    SpanKind.PERSON: "person",
    SpanKind.ORGANISATION: "organisation",
    SpanKind.PLACE: "place",
    SpanKind.DATE: "date",
    SpanKind.NUMBER: "number",
    SpanKind.MONEY: "amount of money",
    SpanKind.NAME: "name",
    SpanKind.THING: "thing",
}


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
        values[f"role_{role(sentence, span)}"] = 1.0
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
