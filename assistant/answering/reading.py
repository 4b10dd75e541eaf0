"""Read a question once: what kind of answer it asks for, what it is about, which words matter.

The kind of question comes from its wh-word as the parser tags it (who, when, where, why, how
many, which/what + a noun, or a yes/no question opening with a verb): the usual answer-type
typology of question answering, the same for any collection. What a "which" question asks for
("Which regulator ...") is its focus noun; how well a span fits it is measured, not listed.

Does not retrieve or choose anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from assistant.answering.language import Language, Parsed
from assistant.core import terms


class QuestionKind(StrEnum):
    """What a question asks for. The values name the model's features and appear in reports."""

    WHO = "who"
    WHEN = "when"
    WHERE = "where"
    HOW_MANY = "how-many"
    HOW_MUCH = "how-much"  # also "how long", "how often", "how old"
    WHICH = "which"  # "which"/"what" + a noun: the noun is the focus
    WHAT = "what"
    WHY = "why"
    HOW = "how"
    YES_NO = "yes-no"
    OTHER = "other"


# The kinds answered by a name, date, figure or place rather than an explanation.
_SPAN_QUESTIONS = (
    QuestionKind.WHO,
    QuestionKind.WHEN,
    QuestionKind.WHERE,
    QuestionKind.HOW_MANY,
    QuestionKind.HOW_MUCH,
    QuestionKind.WHICH,
)
WH_TAGS = frozenset({"WP", "WP$", "WDT", "WRB"})
_SIMPLE_WH = {
    "who": QuestionKind.WHO,
    "whom": QuestionKind.WHO,
    "whose": QuestionKind.WHO,
    "when": QuestionKind.WHEN,
    "where": QuestionKind.WHERE,
    "why": QuestionKind.WHY,
}


@dataclass(frozen=True)
class Reading:
    """A question made ready for answering."""

    original: str  # as asked
    query: str  # what retrieval searched: spelling fixed, a follow-up made self-contained
    parsed: Parsed  # of `query`
    qtype: QuestionKind
    focus: str  # "regulator" in "Which regulator inspected ...?"; "" when there is none
    stems: tuple[str, ...]  # content stems of the question's lemmas
    verbs: frozenset[str]  # stems of its verbs ("carri" for "carried out")
    words: frozenset[str]  # its folded words, to tell a span that only repeats the question
    negated: bool  # "Did they not ...?"
    context_stems: tuple[str, ...] = ()  # words carried over from earlier questions
    already_cited: tuple[tuple[str, int], ...] = field(default=())  # (source, start) quoted just before


_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def strip_markup(question: str) -> str:
    """Drop HTML tags (and script or style blocks) pasted into a question: they carry no meaning.

    Example: "<b>Who carried out the report?</b><script>x()</script>" -> "Who carried out the report?"
    """
    without = _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", question))
    return " ".join(without.split()) or question


def read_question(
    original: str,
    query: str,
    language: Language,
    context: str = "",
    already_cited: tuple[tuple[str, int], ...] = (),
    stand_ins: tuple[str, ...] = (),
) -> Reading:
    """Parse `query` and work out its kind, focus and content words. `stand_ins`: what a follow-up's
    pronouns were replaced with ("Steve Walker"): context of the question, not its topic."""
    parsed = language.parse(query)
    qtype, focus = question_type(parsed)
    carried = list(dict.fromkeys(terms.content_stems(" ".join(stand_ins))))  # in order: sums stay the same
    stems = tuple(s for s in terms.content_stems(query) if s not in carried)
    verbs = frozenset(terms.stem(t.lemma) for t in parsed.tokens if t.pos == "VERB" and not t.is_stop)
    negated = parsed.negated()
    context_stems = tuple(
        dict.fromkeys(s for s in [*carried, *terms.content_stems(context)] if s not in stems)
    )
    return Reading(
        original=original,
        query=query,
        parsed=parsed,
        qtype=qtype,
        focus=focus,
        stems=stems,
        verbs=verbs,
        words=frozenset(terms.words(query)),
        negated=negated,
        context_stems=context_stems,
        already_cited=already_cited,
    )


def asks_for_span(reading: Reading) -> bool:
    """The question asks for a name, date, figure or place rather than an explanation."""
    return reading.qtype in _SPAN_QUESTIONS


def question_type(parsed: Parsed) -> tuple[QuestionKind, str]:
    """The kind of question and its focus noun.

    Example: "Which regulator inspected the council?" -> ("which", "regulator");
    "How many recommendations are there?" -> ("how-many", "recommendations");
    "Did the council accept it?" -> ("yes-no", "").
    """
    tokens = parsed.tokens
    wh = next((i for i, t in enumerate(tokens) if t.tag in WH_TAGS), None)
    opens_with_verb = bool(tokens) and (tokens[0].pos == "AUX" or tokens[0].tag == "MD")
    if wh is None:
        return (QuestionKind.YES_NO if opens_with_verb else QuestionKind.OTHER), ""
    word = tokens[wh].lemma
    if opens_with_verb and wh > 0:
        return QuestionKind.YES_NO, ""  # "Is it known who ...?" asks whether, not who
    if word in _SIMPLE_WH:
        return _SIMPLE_WH[word], ""
    if word == "how":
        following = tokens[wh + 1] if wh + 1 < len(tokens) else None
        if following is not None and following.lemma in ("many", "much"):
            counted = _noun_after(parsed, wh + 1)
            kind = QuestionKind.HOW_MANY if following.lemma == "many" else QuestionKind.HOW_MUCH
            return kind, counted
        if following is not None and following.pos in ("ADJ", "ADV"):
            return QuestionKind.HOW_MUCH, following.text.lower()  # how long, how often, how old
        return QuestionKind.HOW, ""
    if word in ("which", "what"):
        noun = _governed_noun(parsed, wh) or _named_by_copula(parsed, wh)
        if noun:
            return QuestionKind.WHICH, noun
        return QuestionKind.WHAT, ""
    return QuestionKind.OTHER, ""


def _governed_noun(parsed: Parsed, wh: int) -> str:
    """The noun a "which"/"what" determines, with its compound modifiers: "news service"."""
    token = parsed.tokens[wh]
    if token.dep != "det" or parsed.tokens[token.head].pos not in ("NOUN", "PROPN"):
        # "What is the name of ...": the wh-word stands alone; "what year" is tagged det of "year".
        return ""
    head = token.head
    words = [
        t.text.lower()
        for i, t in enumerate(parsed.tokens)
        if t.head == head and t.dep == "compound" and i < head
    ]
    return " ".join([*words, parsed.tokens[head].text.lower()])


def _named_by_copula(parsed: Parsed, wh: int) -> str:
    """ "What is the name of ...?", "What was the population ...?": the noun "what" is equated with."""
    token = parsed.tokens[wh]
    head = parsed.tokens[token.head]
    if token.dep not in ("nsubj", "attr") or head.lemma != "be":
        return ""
    for i, other in enumerate(parsed.tokens):
        if other.head == token.head and i != wh and other.dep in ("nsubj", "attr") and other.pos == "NOUN":
            return other.text.lower()
    return ""


def _noun_after(parsed: Parsed, index: int) -> str:
    """The noun "how many" counts: "How many children were ..." -> "children"."""
    for token in parsed.tokens[index + 1 : index + 4]:
        if token.pos in ("NOUN", "PROPN"):
            return token.text.lower()
    return ""
