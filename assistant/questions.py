"""Read a question: what kind of answer it wants, which words matter, and what a follow-up refers to.

The answerer uses the expected answer type to prefer sentences that contain one (a name for
"who", a date for "when", a figure for "how many") and to notice when none of the retrieved
sentences could answer. Follow-ups are made self-contained before retrieval: a pronoun is
replaced by the name the previous question was answered with, and the previous question's
words are carried along.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from assistant import terms

NAME, DATE, NUMBER, DURATION = "name", "date", "number", "duration"
PROPER_NAME, MONEY = "proper name", "money"  # stricter forms: "what is the name of", "how much money"

# Kinds of organisation a "which" question asks the name of: "Which news service ...?". A name
# ending in the kind ("Local Democracy Reporting Service") answers it best, unless the kind is so
# general that a name ending in it is a coincidence ("... of Voluntary Organisations").
_TITLED_KINDS = (
    r"charity|company|party|agency|association|union|regulator"
    r"|inspectorate|service|committee|board|council|authority"
)
_NAMED_KINDS = rf"councillor|person|officer|inspector|body|organi[sz]ation|group|{_TITLED_KINDS}"
_WHICH_KIND = re.compile(rf"\bwhich (?:\w+\s+){{0,2}}({_TITLED_KINDS})\b", re.IGNORECASE)
# Each pattern names the kind of answer; the one matching earliest in the question wins, so
# "Who led the council when ...?" wants a name and "What did they do when ...?" nothing special.
_EXPECTATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), kind)
    for p, kind in (
        (
            r"\bhow (?:much|large|big)\b(?=.*\b(?:money|cash|fund\w*|budget|cost\w*|spen[dt]\w*|paid|pay"
            r"|invest\w*|grants?|fees?|price)\b)",
            MONEY,
        ),
        (
            r"\bhow (?:many|much|large|big|high)\b|\bwhat (?:number|percentage|proportion|amount|sum)\b"
            r"|\bwhat(?:'s|’s| is| was| are| were) the (?:[\w'’-]+\s+){0,3}"
            r"(?:rate|number|percentage|proportion|total|figure|amount|cost)\b",
            NUMBER,
        ),
        (r"\bhow (?:long|often|soon)\b", DURATION),
        (r"\bwhen\b|\b(?:what|which) (?:date|day|year|month|time)\b", DATE),
        (r"\bwhat (?:is|was) (?:the|his|her|their) name\b|\bname of\b|\bwhat is \w+ called\b", PROPER_NAME),
        (rf"\bwho\b|\bwhich (?:\w+\s+){{0,2}}(?:{_NAMED_KINDS})\b", NAME),
        (r"\b(?:what|which|why|where|how)\b", ""),
    )
]
_YES_NO = re.compile(
    r"^\s*(?:can|could|does|do|did|is|are|was|were|has|have|had|will|would|should|must)\b", re.IGNORECASE
)
_FOLLOW_UP_PRONOUN = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|it|its|this|that|these|those|there|then)\b",
    re.IGNORECASE,
)
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his)\b", re.IGNORECASE)
# "When was the press release issued?", "What date is on the article?", "On what date was it posted?"
_WHEN_PUBLISHED = re.compile(
    r"\b(?:post(?:ed)?|publish(?:ed)?|(?<!press )releas(?:e|ed)|issued?|dated"
    r"|date\s+(?:is\s+)?(?:on|of)\s+(?:the|this|that))\b",
    re.IGNORECASE,
)
# Titles of offices a "who" question may name the holder of: "the Chief Executive", "its Director of
# Education", "the Cabinet Member for Children's Services". (Not "councillor": a kind of person.)
_OFFICES = (
    "director|executive|leader|head|minister|chair|chairman|chairwoman|chairperson|commissioner"
    "|secretary|mayor|president|manager|officer|member"
)
_OFFICE = re.compile(  # case matters: "Director of Education", not "director to turn ... around"
    rf"(?:\b([A-Z][\w'’]*)\s+)?\b((?i:{_OFFICES}))\b((?:\s+(?:of|for)(?:\s+(?:the|and|[A-Z][\w'’]*))+)*)"
)
_OFFICE_WORD = re.compile(rf"\b(?:{_OFFICES})\b", re.IGNORECASE)
# "Who is the ...", "Who was appointed ...", "What is the name of ...": asking who someone is, not
# what someone did ("Who did the council leader say ...?").
_ASKS_HOLDER = re.compile(
    r"\s*(?:who\s+(?:is|was|are|were)|what\s+(?:is|was)\s+the\s+name\s+of)\b", re.IGNORECASE
)
# "Who chaired the meeting?" asks who held the chair: its answer is named with that title.
_OFFICE_OF_VERB = {"chaired": "chair", "headed": "head"}
_HOLDS_BY_VERB = re.compile(rf"\s*who\s+({'|'.join(_OFFICE_OF_VERB)})\b", re.IGNORECASE)
_ASKING = frozenset({"who", "what", "which", "whose", "the", "is", "was"})
_FOLLOW_UP_OPENING = re.compile(r"^\s*(and|also|what about|how about|but|so)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A question made ready for retrieval and answering."""

    original: str
    query: str  # the text retrieval uses: spelling fixed, follow-up made self-contained
    expects: str | None
    stems: tuple[str, ...]  # content stems of the question itself
    context_stems: tuple[str, ...] = ()  # stems carried over from earlier questions
    already_cited: tuple[tuple[str, int], ...] = ()  # (source, start) the previous answer quoted

    @functools.cached_property
    def named_kind(self) -> str:
        """The stem of the kind of thing a "which" question wants named: "Which news service
        reported it?" -> "servic"; a name ending in it ("Local Democracy Reporting Service")
        answers better than another name. Empty for other questions."""
        match = _WHICH_KIND.search(self.query) if self.expects == NAME else None
        return terms.stem(match.group(1).lower()) if match else ""

    @functools.cached_property
    def _office_parts(self) -> tuple[str, frozenset[str]]:
        return office_parts(self)

    @property
    def office(self) -> frozenset[str]:
        """The stems of the office whose holder is asked for (see `office_parts`)."""
        return self._office_parts[1]

    @property
    def office_title(self) -> str:
        """The office's title word as a stem ("leader" of "leader of Powys County Council"), which
        must be given with a name for it; empty when the question asks for no office holder."""
        return self._office_parts[0]


def expected_answer(question: str) -> str | None:
    """The kind of answer the wording asks for. Example: "How many recommendations?" -> "number"."""
    if _YES_NO.match(question):
        return None
    found = [
        (m.start(), order, kind)
        for order, (pattern, kind) in enumerate(_EXPECTATIONS)
        if (m := pattern.search(question))
    ]
    return (min(found)[2] or None) if found else None


def correct_spelling(question: str, vocabulary: terms.Vocabulary) -> str:
    """Replace words the corpus does not know by their nearest corpus word."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        corrected = vocabulary.correct(word.lower())
        if corrected == word.lower():
            return word
        return corrected.capitalize() if word[0].isupper() else corrected

    return re.sub(r"[A-Za-z]{4,}", fix, question)


_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def strip_markup(question: str) -> str:
    """Drop HTML tags (and script or style blocks) pasted into a question: they carry no meaning.

    Example: "<b>Who carried out the report?</b><script>x()</script>" -> "Who carried out the report?"
    """
    without = _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", question))
    return " ".join(without.split()) or question


def publication_frame(question: Question) -> frozenset[str]:
    """For a "when" question about a document itself ("When was the press release issued?"),
    the stems that only ask for its date ("date", "issu"); empty for any other question."""
    match = _WHEN_PUBLISHED.search(question.query) if question.expects == DATE else None
    if match is None:
        return frozenset()
    return frozenset(terms.content_stems(f"date {match.group(0)}"))


def office_parts(question: Question) -> tuple[str, frozenset[str]]:
    """For "who holds this office?", the office's title stem and all its stems: "What is the name of
    the council's Chief Executive?" -> ("execut", {"chief", "execut"}); "Who is the Director of
    Education?" -> ("director", {"director", "educ"}); "Who chaired the meeting?" -> ("chair",
    {"chair"}). ("", empty) for other questions. A name found beside a different office does not
    answer it."""
    verb = _HOLDS_BY_VERB.match(question.query) if question.expects == NAME else None
    if verb is not None:
        title = terms.stem(_OFFICE_OF_VERB[verb.group(1).lower()])
        return title, frozenset({title})
    if question.expects not in (NAME, PROPER_NAME) or not _ASKS_HOLDER.match(question.query):
        return "", frozenset()
    match = _OFFICE.search(question.query)
    if match is None:
        return "", frozenset()
    before, office, after = match.groups()
    words = [office]
    if before and before[0].isupper() and not before.endswith(("'s", "’s")) and before.lower() not in _ASKING:
        words.insert(0, before)
    words += [w for w in after.split() if w.lower() not in ("of", "for", "the", "and")]
    return terms.stem(office.lower()), frozenset(terms.content_stems(" ".join(words)))


def names_office(phrase: str) -> bool:
    """Example: "Cabinet Member for Children's Services" -> True; "Rosemarie Harris" -> False."""
    return _OFFICE_WORD.search(phrase) is not None


def refers_to_person(question: str) -> bool:
    """ "What did she say?" -> True: the question leans on a person named earlier."""
    return bool(_PERSON_PRONOUN.search(question))


def is_follow_up(question: str) -> bool:
    """Questions leaning on an earlier one: "And how many now?", "What did he say?"."""
    return bool(_FOLLOW_UP_OPENING.search(question) or _FOLLOW_UP_PRONOUN.search(question))


def resolve(
    question: str,
    vocabulary: terms.Vocabulary,
    history: list[str],
    previous_name: str = "",
    already_cited: tuple[tuple[str, int], ...] = (),
) -> Question:
    """Build the retrieval query: drop markup, fix spelling, then fold in the history for a follow-up."""
    fixed = correct_spelling(strip_markup(question), vocabulary)
    expects = expected_answer(fixed)
    stems = tuple(terms.content_stems(fixed))
    if not history or not is_follow_up(question):
        return Question(question, fixed, expects, stems)
    earlier = " ".join(correct_spelling(h, vocabulary) for h in history[-2:])
    if previous_name and _PERSON_PRONOUN.search(fixed):
        # The name carries the context: "What did he say?" -> "What did Steve Walker say?"
        # The name is context, not the topic: the answer must be about what is asked of them.
        query = _PERSON_PRONOUN.sub(lambda m: _possessive(m.group(0), previous_name), fixed, count=1)
        name_stems = tuple(terms.content_stems(previous_name))
        return Question(question, query, expects, stems, name_stems, already_cited)
    context = tuple(s for s in terms.content_stems(earlier) if s not in stems)
    return Question(question, f"{fixed} (following: {earlier})", expects, stems, context, already_cited)


def _possessive(pronoun: str, name: str) -> str:
    return f"{name}'s" if pronoun.lower() in ("his", "her", "hers") else name
