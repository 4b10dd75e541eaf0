"""Make a follow-up question self-contained before it is searched for.

"What did he recommend?" after "Who carried out the 2025 review?" (answered "Steve Walker")
becomes "What did Steve Walker recommend?". A pronoun is resolved against the entities of the
earlier questions *and their answers*, most recent first: "he"/"she" to a person, "they"/"it" to
a body or the thing the last question was about; "that report" to the earlier noun phrase with
the same head word ("the 2025 report"). What cannot be resolved is searched together with the
previous question.

Does not answer anything: the service passes in the earlier turns, already answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.language import Language, Parsed

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
OTHER_PRONOUNS = frozenset({"they", "them", "their", "theirs", "it", "its"})
POSSESSIVES = frozenset({"his", "her", "hers", "their", "theirs", "its"})
DEMONSTRATIVES = frozenset({"that", "this", "those", "these"})
_OPENING = re.compile(r"^\s*(?:and|also|what about|how about|but|so)\b", re.IGNORECASE)
_PERSON_LABELS = ("PERSON",)
_BODY_LABELS = ("ORG", "NORP", "GPE")


@dataclass(frozen=True)
class Turn:
    """An earlier question and how it was answered."""

    question: str
    short_answer: str = ""
    quote: str = ""  # the first sentence its answer cited


def is_follow_up(question: str) -> bool:
    """The question leans on an earlier one: it refers back or opens with "And ...".

    Example: "What did he recommend?" -> True; "Who carried out the report?" -> False.
    """
    words = re.findall(r"[a-z']+", question.lower())
    referring = PERSON_PRONOUNS | OTHER_PRONOUNS
    return bool(_OPENING.search(question)) or any(
        w in referring or (w in DEMONSTRATIVES and i + 1 < len(words)) for i, w in enumerate(words)
    )


def rewrite(question: str, turns: Sequence[Turn], language: Language) -> tuple[str, str, tuple[str, ...]]:
    """The self-contained query, the earlier words to weigh in as context, and what stands in for
    the question's pronouns. `turns`: the earlier questions, oldest first, with their answers.

    Example: "What did he say about staff?" after "Who carried out the review?" (answered with a
    sentence naming Steve Walker) -> ("What did Steve Walker say about staff?", "Who ...", ("Steve Walker",)).
    """
    if not turns or not is_follow_up(question):
        return question, "", ()
    parsed = language.parse(question)
    recent = list(reversed(turns))
    replacements: list[tuple[int, int, str]] = []
    for token in parsed.tokens:
        word = token.text.lower()
        if token.pos == "PRON" and word in PERSON_PRONOUNS | OTHER_PRONOUNS:
            found = _antecedent(word, recent, language)
            if found:
                text = f"{found}'s" if word in POSSESSIVES else found
                replacements.append((token.start, token.end, text))
        elif word in DEMONSTRATIVES and token.dep == "det":
            head = parsed.tokens[token.head]
            found = _same_head(head.lemma, recent, language)
            if found:
                end = max(head.end, token.end)
                replacements.append((token.start, end, found))
    context = " ".join(t.question for t in turns[-2:])
    if not replacements:
        return f"{question} (following: {turns[-1].question})", context, ()
    rewritten = question
    for start, end, text in sorted(replacements, reverse=True):
        rewritten = rewritten[:start] + text + rewritten[end:]
    return rewritten, context, tuple(text for _, _, text in replacements)


def _antecedent(pronoun: str, recent: list[Turn], language: Language) -> str:
    """The most recent entity a pronoun can stand for: a person for "he"/"she", a body or the
    thing asked about for "they"/"it"."""
    person = pronoun in PERSON_PRONOUNS
    for turn in recent:
        for text in (turn.short_answer, turn.quote, turn.question):
            if not text:
                continue
            parsed = language.parse(text)
            found = _entity(parsed, _PERSON_LABELS if person else _BODY_LABELS)
            if found and (text is not turn.short_answer or len(found) >= len(text) - 2):
                return found
            if text is turn.short_answer and person and _looks_like_a_name(parsed):
                return text
        if not person:
            subject = _subject_phrase(language.parse(turn.question))
            if subject:
                return subject
    return ""


def _entity(parsed: Parsed, labels: tuple[str, ...]) -> str:
    for entity in parsed.entities:
        if entity.label in labels:
            return parsed.span_text(entity)
    return ""


def _looks_like_a_name(parsed: Parsed) -> bool:
    """Two or more capitalised proper nouns, and nothing else: "Amanda Jenner"."""
    words = [t for t in parsed.tokens if t.pos != "PUNCT"]
    return len(words) >= 2 and all(t.pos == "PROPN" for t in words)


def _subject_phrase(parsed: Parsed) -> str:
    """The noun phrase an earlier question was about: its subject, else its object."""
    for wanted in (("nsubj", "nsubjpass"), ("dobj", "pobj")):
        for chunk in parsed.noun_chunks:
            root = parsed.tokens[chunk.root]
            if root.dep in wanted and root.pos in ("NOUN", "PROPN") and root.tag not in ("WP", "WDT"):
                return _without_wh(parsed, chunk.first, chunk.last)
    return ""


def _same_head(lemma: str, recent: list[Turn], language: Language) -> str:
    """The most recent earlier noun phrase with the head word `lemma`: "that report" -> "the 2025 report"."""
    for turn in recent:
        for text in (turn.question, turn.quote):
            parsed = language.parse(text) if text else None
            if parsed is None:
                continue
            for chunk in parsed.noun_chunks:
                if parsed.tokens[chunk.root].lemma == lemma:
                    found = _without_wh(parsed, chunk.first, chunk.last)
                    if found and found.split()[0].lower() not in DEMONSTRATIVES:
                        return found
    return ""


def _without_wh(parsed: Parsed, first: int, last: int) -> str:
    """The phrase without a leading "which"/"what": "which report" -> "report"."""
    while first <= last and parsed.tokens[first].tag in ("WDT", "WP", "WP$"):
        first += 1
    if first > last:
        return ""
    return parsed.text[parsed.tokens[first].start : parsed.tokens[last].end]
