"""The stretches of a sentence that could be a short answer: its entities and noun chunks.

Each span gets a coarse kind from its entity label or its head word's part of speech, and a role
from where its head word hangs in the parse (subject, object, agent, ...). The parser's labels are
noisy, so kind and role are features among many for the fitted model, and the lead shown to a
reader is only ever a span the model rates highly.

Does not score spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assistant.answering.language import Chunk, Parsed


class SpanKind(StrEnum):
    """What a span names. The values name the model's features."""

    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    NAME = "name"  # an event, a law, a work, a product: named, but none of the above
    THING = "thing"


class SpanRole(StrEnum):
    """Where a span's head word stands in its sentence. The values name the model's features."""

    SUBJECT = "subject"
    OBJECT = "object"
    AGENT = "agent"  # "carried out by Steve Walker"
    PREP_OBJECT = "prep-object"
    APPOSITION = "apposition"
    MODIFIER = "modifier"
    CONJUNCT = "conjunct"
    ROOT = "root"
    OTHER = "other"


_KIND_OF_LABEL = {
    "PERSON": SpanKind.PERSON,
    "ORG": SpanKind.ORGANISATION,
    "NORP": SpanKind.ORGANISATION,
    "GPE": SpanKind.PLACE,
    "LOC": SpanKind.PLACE,
    "FAC": SpanKind.PLACE,
    "DATE": SpanKind.DATE,
    "TIME": SpanKind.DATE,
    "CARDINAL": SpanKind.NUMBER,
    "QUANTITY": SpanKind.NUMBER,
    "PERCENT": SpanKind.NUMBER,
    "ORDINAL": SpanKind.NUMBER,
    "MONEY": SpanKind.MONEY,
}
_ROLE_OF_DEP = {
    "nsubj": SpanRole.SUBJECT,
    "nsubjpass": SpanRole.SUBJECT,
    "csubj": SpanRole.SUBJECT,
    "dobj": SpanRole.OBJECT,
    "attr": SpanRole.OBJECT,
    "oprd": SpanRole.OBJECT,
    "dative": SpanRole.OBJECT,
    "appos": SpanRole.APPOSITION,
    "compound": SpanRole.MODIFIER,
    "amod": SpanRole.MODIFIER,
    "nmod": SpanRole.MODIFIER,
    "poss": SpanRole.MODIFIER,
    "nummod": SpanRole.MODIFIER,
    "npadvmod": SpanRole.MODIFIER,
    "conj": SpanRole.CONJUNCT,
    "ROOT": SpanRole.ROOT,
}
_LEADING = frozenset({"DET", "PRON", "PART", "PUNCT", "CCONJ", "ADP"})


@dataclass(frozen=True)
class Span:
    """A candidate short answer inside a parsed sentence (token indices first..last, inclusive)."""

    text: str
    start: int  # character offsets in the sentence's text
    end: int
    first: int
    last: int
    root: int
    kind: SpanKind
    is_entity: bool


def find_spans(parsed: Parsed) -> list[Span]:
    """Entities, then noun chunks that are not already an entity, each trimmed of leading
    determiners and a trailing possessive. Example: "the council's report" -> "council's report"
    is kept whole as a noun chunk; "Steve Walker" is an entity of kind person."""
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()
    for chunk, is_entity in [(e, True) for e in parsed.entities] + [(c, False) for c in parsed.noun_chunks]:
        span = _trimmed(parsed, chunk, is_entity)
        if span is None or (span.first, span.last) in seen:
            continue
        seen.add((span.first, span.last))
        spans.append(span)
    return spans


def _trimmed(parsed: Parsed, chunk: Chunk, is_entity: bool) -> Span | None:
    tokens = parsed.tokens
    first, last = chunk.first, chunk.last
    while not is_entity and first <= last and tokens[first].pos in _LEADING and not tokens[first].like_num:
        first += 1  # "the council" -> "council"; an entity keeps its words ("this year", "the WLGA")
    while last >= first and (tokens[last].pos in ("PART", "PUNCT") or tokens[last].text in ("'s", "’s")):
        last -= 1
    if first > last:
        return None
    if all(tokens[i].pos == "PRON" or tokens[i].is_stop for i in range(first, last + 1)):
        return None  # "he", "it", "this": not an answer
    # Snap to whole words: "£12m" is one word however the tokenizer cuts it.
    while first > 0 and tokens[first - 1].end == tokens[first].start and tokens[first - 1].pos != "PUNCT":
        first -= 1
    while (
        last + 1 < len(tokens)
        and tokens[last + 1].start == tokens[last].end
        and tokens[last + 1].pos != "PUNCT"
    ):
        last += 1
    root = chunk.root if first <= chunk.root <= last else last
    start, end = tokens[first].start, tokens[last].end
    return Span(
        text=parsed.text[start:end],
        start=start,
        end=end,
        first=first,
        last=last,
        root=root,
        kind=_kind(parsed, chunk, root, first),
        is_entity=is_entity,
    )


def role(sentence: Parsed, span: Span) -> SpanRole:
    """The role of the span's head word: "Steve Walker" in "carried out by Steve Walker" -> agent."""
    token = sentence.tokens[span.root]
    if token.dep == "pobj" and sentence.tokens[token.head].dep == "agent":
        return SpanRole.AGENT
    if token.dep == "pobj":
        return SpanRole.PREP_OBJECT
    return _ROLE_OF_DEP.get(token.dep, SpanRole.OTHER)


def _kind(parsed: Parsed, chunk: Chunk, root: int, first: int) -> SpanKind:
    if chunk.label in _KIND_OF_LABEL:
        return _KIND_OF_LABEL[chunk.label]
    if chunk.label != "NP":
        return SpanKind.NAME  # an event, a law, a work, a product: named, but none of the above
    head = parsed.tokens[root]
    if head.entity in _KIND_OF_LABEL:
        return _KIND_OF_LABEL[head.entity]
    if head.like_num or parsed.tokens[first].like_num:
        return SpanKind.NUMBER  # "18 recommendations" counts something
    return SpanKind.NAME if head.pos == "PROPN" else SpanKind.THING
