"""Choose the sentences that answer a question, or decide that the reports do not say.

Without an LLM the answer is built from the sources' own sentences. Candidate answers are
single retrieved sentences and pairs of adjacent sentences (a question's words are often
split across two: "When the new Cabinet took the helm ... Together with officers we
developed an escalation plan"). Each candidate is scored on how much of the question's
rarity-weighted vocabulary it and its immediate context cover, on its dense similarity to
the question, and on whether it holds the kind of thing the question asks for (a name, a
date, a figure). The best one is the answer; a short direct answer (a name, date or figure
taken from it) may go before it.

The answer is refused when the best candidate's support is weak, or when the question asks
for a date or a figure that no candidate holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant import dates, entities, offices, questions, terms
from assistant.library import IndexedPassage, Library
from assistant.questions import DATE, DURATION, MONEY, NAME, NUMBER, PROPER_NAME, Question
from assistant.retrieval import Hit

CONTEXT_WEIGHT = 0.5  # credit for a question word found next to the sentence, not in it
HISTORY_WEIGHT = 0.3  # weight of words carried over from earlier questions
PRONOUN_LOOKBACK = 3  # sentences searched back for whom "He added that..." is about
COMMON_IDF = 1.5  # stems this common (in roughly a quarter of passages) name nothing in particular
DATELINE_SEARCH = 5  # a document's own date is among its first few passages
HEADING_WORDS = 8  # a line this short without closing punctuation is a heading, not a statement
DATELINE_SHARE = 0.5  # a dateline is mostly date: "17th October 2017", "07/08/2025 @ 02:07"
_PRONOUN_OPENING = re.compile(r"^[\"“‘']?(?:he|she|they|his|her|their|it)\b", re.IGNORECASE)
_COUNTED = re.compile(
    r"\bhow many ([a-z' -]+?)(?=\s+(?:are|is|were|was|did|does|do|have|has|had|will|would|can|could"
    r"|in|of|on|at|for|per|there)\b|\?|$)",
    re.IGNORECASE,
)
# "How many children are in foster care?": what defines the set counted ("in foster care").
_COUNTED_SET = re.compile(r"\bhow many [a-z' -]+? (?:are|were|is|was)\s+(?!there\b)([^?]+)", re.IGNORECASE)
_ASKS_COUNT = re.compile(r"\bhow many\b|\b(?:figure|number|total)\b", re.IGNORECASE)
_ASKS_LATEST = re.compile(r"\b(?:latest|current|currently|now|today|most recent)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"[’']s$")
_CHANGE_QUESTION = re.compile(r"\bby how much\b", re.IGNORECASE)
# "when", "how many", "how much money" and "what is the name of" answers must hold one.
_HARD_KINDS = (NUMBER, DATE, DURATION, MONEY, PROPER_NAME)


@dataclass(frozen=True)
class Scored:
    """A candidate answer: one sentence or two adjacent ones, with the evidence for it."""

    rows: tuple[int, ...]
    items: tuple[IndexedPassage, ...]
    coverage: float
    similarity: float
    answer_phrases: tuple[str, ...]
    score: float

    @property
    def item(self) -> IndexedPassage:
        return self.items[0]


@dataclass(frozen=True)
class Choice:
    """What the answerer decided: the sentences to cite, and whether they answer."""

    answered: bool
    sentences: list[IndexedPassage]
    short_answer: str
    ranked_rows: list[int]  # retrieved sentences in the answerer's order, for the passages list


@dataclass(frozen=True)
class AnswerPolicy:
    """Weights and thresholds of sentence choice; one place to tune them, on any question set."""

    coverage_weight: float = 0.7
    similarity_weight: float = 0.3
    type_bonus: float = 0.15
    bare_figure_share: float = 0.5  # of type_bonus, for a figure where a change is asked ("by how much")
    precise_date_margin: float = 0.05  # for "when did", a day or month this close behind beats a bare year
    bare_year_share: float = 0.8  # of type_bonus, for a year alone where a date is asked
    duration_share: float = 0.5  # of type_bonus, for a duration where a past date is asked
    rank_weight: float = 0.05
    pair_penalty: float = 0.08
    pair_gain: float = 0.1  # a pair must cover this much more of the question than its sentences
    repeat_penalty: float = 0.12  # a follow-up should say more than the answer it follows
    # Support decides whether the best candidate answers at all: an even mix of word coverage
    # and dense similarity (paraphrases score low on one, not both), with a floor on coverage.
    support_coverage_weight: float = 0.5
    min_support: float = 0.40
    typed_min_support: float = 0.32  # a name, date or figure where one is asked for is evidence too
    min_coverage: float = 0.25
    paraphrase_similarity: float = 0.6  # dense similarity from which ...
    paraphrase_min_coverage: float = 0.2  # ... this lower coverage floor applies
    clear_lead: float = 0.1  # a best candidate this far ahead of any other (a clear winner) ...
    clear_min_support: float = 0.32  # ... needs only this support ...
    clear_min_coverage: float = 0.12  # ... and this share of the question's words
    name_margin: float = 0.15
    kind_margin: float = 0.25  # wider: a name of the kind asked for ("... Service") is strong evidence
    min_office_share: float = 2 / 3  # of an office's words ("Chief Executive") around a name for it
    min_dateline_fit: float = 0.4  # how well a "when was it published" question fits its document
    dateline_margin: float = 0.05  # ... and by how much better than any other document
    max_candidates: int = 40


class Answerer:
    """Scores candidate sentences against a question and picks the answer."""

    def __init__(self, library: Library, vocabulary: terms.Vocabulary, policy: AnswerPolicy) -> None:
        self.library = library
        self.vocabulary = vocabulary
        self.policy = policy
        self._stems_cache: dict[int, frozenset[str]] = {}
        self._variants_cache: dict[str, frozenset[str]] = {}
        aliases = vocabulary.aliases
        self._known_stems = set(vocabulary.frequency) | set(aliases) | set().union(*aliases.values())

    def choose(
        self, question: Question, hits: list[Hit], query_vector: np.ndarray, max_citations: int
    ) -> Choice:
        ranked = self.rank(question, hits, query_vector)
        if not ranked:
            return Choice(False, [], "", [])
        ranked_rows = _sentence_order(ranked)
        frame = questions.publication_frame(question)
        if frame and not self._asks_about_unknown_year(question):
            dated = self._dateline(question, frame, query_vector)
            if dated is not None:
                line, date = dated
                if line is None:  # the document asked about carries no date of its own
                    return self._refusal(ranked_rows, max_citations)
                return Choice(True, [line], date, ranked_rows)
        best = None if self._asks_about_unknown_year(question) else self._best(question, ranked)
        if best is None or not self._supported(best, question, _lead(best, ranked)):
            return self._refusal(ranked_rows, max_citations)
        # "Rose from 154 before the pandemic to over 400": the latest figure is the last one given.
        latest = question.expects == NUMBER and _ASKS_LATEST.search(question.query) is not None
        phrase = best.answer_phrases[-1 if latest else 0] if best.answer_phrases else ""
        short = _without_possessive(phrase) if question.expects else ""
        sentences = list(best.items[:max_citations])
        if len(sentences) == 1 and not best.answer_phrases and _is_heading(sentences[0].passage.text):
            # "Priority areas for development" answers nothing itself; what follows it does.
            following = self.library.neighbours(sentences[0].id, before=0, after=max_citations - 1)
            sentences = following[:max_citations]
        if question.expects in (NAME, PROPER_NAME) and short and " " not in short:
            short, sentences = self._with_full_name(short, sentences, max_citations)
        return Choice(True, sentences, short, ranked_rows)

    def _refusal(self, ranked_rows: list[int], max_citations: int) -> Choice:
        """ "The reports do not say", with the nearest sentences for the reader to check."""
        nearest = [self.library.passages[row] for row in ranked_rows[:max_citations]]
        return Choice(False, nearest, "", ranked_rows)

    def _dateline(
        self, question: Question, frame: frozenset[str], query_vector: np.ndarray
    ) -> tuple[IndexedPassage | None, str] | None:
        """ "When was the council's press release published?" -> the date line of the document
        the question describes. How well a document fits: half the share of the question's words
        (its date-asking frame aside) in its title, kind, publisher and year, half the question's
        dense similarity to its opening passages. None unless one document fits clearly best;
        (None, "") when it does but carries no date of its own: another date in it is not when
        it was published."""
        about = [s for s in question.stems if s not in frame]
        fits: dict[str, float] = {}
        for document_id, document in self.library.documents.items():
            meta = document.meta
            described = set(terms.content_stems(f"{document.title} {meta.kind} {meta.publisher}"))
            if meta.date:
                described.add(meta.date[:4])
            opening = self.library.in_document(document_id)[:DATELINE_SEARCH]
            similarity = max(
                (float(self.library.vectors[self.library.row_of[p.id]] @ query_vector) for p in opening),
                default=0.0,
            )
            fits[document_id] = (
                0.5 * self._share(about, self.vocabulary.with_aliases(described)) + 0.5 * similarity
            )
        ordered = sorted(fits.items(), key=lambda item: -item[1])
        if not ordered or ordered[0][1] < self.policy.min_dateline_fit:
            return None
        if len(ordered) > 1 and ordered[1][1] > ordered[0][1] - self.policy.dateline_margin:
            return None  # two documents fit the description about as well: do not guess between them
        for item in self.library.in_document(ordered[0][0])[:DATELINE_SEARCH]:
            text = item.passage.text.strip()
            dates = entities.find(DATE, text)
            if dates and len(dates[0]) >= DATELINE_SHARE * len(text):
                return item, dates[0]
        return None, ""

    def _with_full_name(
        self, surname: str, sentences: list[IndexedPassage], max_citations: int
    ) -> tuple[str, list[IndexedPassage]]:
        """ "Councillor Harris said ..." answers "who" with the full name the document gives
        elsewhere ("Council leader Rosemarie Harris ..."), citing that sentence too."""
        if len(sentences) >= max_citations:
            return surname, sentences
        for item in self.library.in_document(sentences[0].passage.document_id):
            name = entities.full_name(surname, item.passage.text)
            if name:
                extra = [] if item in sentences else [item]
                return name, sentences + extra
        return surname, sentences

    def rank(self, question: Question, hits: list[Hit], query_vector: np.ndarray) -> list[Scored]:
        """Candidate answers (sentences and adjacent pairs), best first."""
        counted = _counted_stems(question.query) if question.expects == NUMBER else ()
        defining = self._defining_stems(question.query) if counted else frozenset()
        office = question.office
        similarities: dict[int, float] = {}
        scored: dict[tuple[int, ...], Scored] = {}
        shares: dict[tuple[int, ...], float] = {}  # own-share per unit, for the pair test
        rejected: set[tuple[int, ...]] = set()
        for position, hit in enumerate(hits[: self.policy.max_candidates]):
            for rows in self._units(hit.row):
                if rows in scored or rows in rejected:
                    continue
                if len(rows) > 1 and not self._pair_adds(question, rows, shares):
                    rejected.add(rows)  # decided once: it does not depend on the hit's position
                    continue
                for row in rows:
                    if row not in similarities:
                        similarities[row] = float(self.library.vectors[row] @ query_vector)
                scored[rows] = self._score(question, rows, position, similarities, counted, defining, office)
        return sorted(scored.values(), key=lambda s: -s.score)

    def _pair_adds(
        self, question: Question, rows: tuple[int, ...], shares: dict[tuple[int, ...], float]
    ) -> bool:
        """Keep a pair only when the second sentence answers part of the question the first does not."""
        for unit in [rows, *((row,) for row in rows)]:
            if unit not in shares:
                shares[unit] = self._own_share(question, unit)
        best_single = max(shares[(row,)] for row in rows)
        return shares[rows] >= best_single + self.policy.pair_gain

    def _own_share(self, question: Question, rows: tuple[int, ...]) -> float:
        """Share of the question's weighted stems in the sentences themselves, context aside."""
        own = self.vocabulary.with_aliases(set().union(*(self._stems(row) for row in rows)))
        return self._share(question.stems, own)

    def _share(self, stems: Iterable[str], own: set[str]) -> float:
        """Share of `stems`, rarer ones weighing more, that `own` holds."""
        weights = {s: self.vocabulary.idf(s) for s in stems}
        total = sum(weights.values())
        return sum(w for s, w in weights.items() if self._matches(s, own)) / total if total else 0.0

    def _units(self, row: int) -> list[tuple[int, ...]]:
        """The sentence alone and with each adjacent sentence of its document."""
        item = self.library.passages[row]
        window = [self.library.row_of[p.id] for p in self.library.neighbours(item.id)]
        index = window.index(row)
        units: list[tuple[int, ...]] = [(row,)]
        if index > 0:
            units.append((window[index - 1], row))
        if index + 1 < len(window):
            units.append((row, window[index + 1]))
        return units

    def _score(
        self,
        question: Question,
        rows: tuple[int, ...],
        position: int,
        similarities: dict[int, float],
        counted: tuple[str, ...],
        defining: frozenset[str],
        office: frozenset[str],
    ) -> Scored:
        items = tuple(self.library.passages[row] for row in rows)
        coverage = self._coverage(question, rows)
        similarity = max(similarities[row] for row in rows)
        text = " ".join(item.passage.text for item in items)
        phrases = self._answer_phrases(question, text, counted)
        if defining and not self._defines(defining, rows):
            phrases = []
        if office:
            # A name beside another office does not answer, nor does the office's own title.
            holds = self._names_office(question, rows)
            # Who holds an office is a person named beside its title ("Council leader Rosemarie
            # Harris"): not an office title, a body or a place, nor someone named elsewhere.
            phrases = [
                p
                for p in phrases
                if holds
                and not questions.names_office(p)
                and not entities.is_organisation(p)
                and offices.titled(p, question.office_title, text)
            ]
        if question.named_kind:
            # A name of the kind asked for first, then a bracketed label ("Cllr Jenner (Conservative)"
            # answers "which party"; an acronym is not one), then other names.
            phrases.sort(
                key=lambda p: (not _is_kind(question.named_kind, p), p.isupper() or f"({p})" not in text)
            )
        score = (
            self.policy.coverage_weight * coverage
            + self.policy.similarity_weight * similarity
            + self.policy.rank_weight / (1 + position)
            + self._type_bonus(question, phrases)
            - (self.policy.pair_penalty if len(rows) > 1 else 0.0)
            - (self.policy.repeat_penalty if self._repeats(question, items) else 0.0)
        )
        return Scored(rows, items, coverage, similarity, tuple(phrases), score)

    def _type_bonus(self, question: Question, phrases: list[str]) -> float:
        """Credit for holding the kind of answer asked for. "By how much has it grown?" asks for a
        change: "nearly tripled" or "40%" answers it outright, a bare figure less well."""
        if not phrases:
            return 0.0
        if _CHANGE_QUESTION.search(question.query) and not any(_states_change(p) for p in phrases):
            return self.policy.type_bonus * self.policy.bare_figure_share
        if question.expects == DATE and all(re.fullmatch(r"(?:19|20)\d{2}", p) for p in phrases):
            return self.policy.type_bonus * self.policy.bare_year_share  # "2017" says less than "July 2017"
        if (
            question.expects == DATE
            and dates.ASKS_PAST.search(question.query)
            and all(dates.is_duration(p) for p in phrases)
        ):
            # "When did the inspection take place?": "one year after ..." says how long, not when.
            return self.policy.type_bonus * self.policy.duration_share
        return self.policy.type_bonus

    def _asks_about_unknown_year(self, question: Question) -> bool:
        """A year the reports never mention ("the 2024 budget") is a year they cannot answer for."""
        years = re.findall(r"\b(?:19|20)\d{2}\b", question.query)
        return any(not self.vocabulary.knows(year) for year in years)

    @staticmethod
    def _repeats(question: Question, items: tuple[IndexedPassage, ...]) -> bool:
        cited = set(question.already_cited)
        return any((item.passage.document_id, item.passage.start) in cited for item in items)

    def _best(self, question: Question, ranked: list[Scored]) -> Scored | None:
        """The top candidate; for "when" or "how many", the top one holding a date or figure.

        A "who" question prefers a candidate with a name when one is close to the top, but
        may be answered without one ("Who speaks up for children?" -> "reviewing officers").
        "What is the name of ...?" needs a name close to the top: a name far down the ranking
        belongs to someone else.
        """
        if question.expects in (NAME, PROPER_NAME):
            kind = question.named_kind
            # "Which news service ...?": a name of that kind ("... Reporting Service") before any name.
            for candidate in ranked:
                if candidate.score < ranked[0].score - self.policy.kind_margin:
                    break
                if kind and candidate.answer_phrases and _is_kind(kind, candidate.answer_phrases[0]):
                    return candidate
            close = [c for c in ranked if c.score >= ranked[0].score - self.policy.name_margin]
            for candidate in close:
                if candidate.answer_phrases:
                    return candidate
            # "Who speaks up for children?" may be answered without a name; who holds an office may not.
            strict = question.expects == PROPER_NAME or bool(question.office)
            return None if strict else ranked[0]
        if question.expects == DATE and dates.ASKS_PAST.search(question.query):
            typed = [c for c in ranked if c.answer_phrases]
            # "When did ...?": a day or month close behind beats a bare year or a duration.
            close = [c for c in typed if typed[0].score - c.score <= self.policy.precise_date_margin]
            return next((c for c in close if not all(dates.is_vague(p) for p in c.answer_phrases)), None) or (
                typed[0] if typed else None
            )
        if question.expects in _HARD_KINDS:
            return next((c for c in ranked if c.answer_phrases), None)
        return ranked[0]

    def _supported(self, best: Scored, question: Question, lead: float = 0.0) -> bool:
        """Whether the best candidate answers at all. `lead`: how far it scores above the best
        candidate sharing none of its sentences; a clear winner is evidence the reports address the
        question, where a flat ranking is what a question they do not answer tends to get."""
        weight = self.policy.support_coverage_weight
        support = weight * best.coverage + (1 - weight) * best.similarity
        typed = bool(question.expects and best.answer_phrases)
        threshold = self.policy.typed_min_support if typed else self.policy.min_support
        # A paraphrase shares few words with its answer but means much the same.
        floor = (
            self.policy.paraphrase_min_coverage
            if best.similarity >= self.policy.paraphrase_similarity
            else self.policy.min_coverage
        )
        if lead >= self.policy.clear_lead:
            threshold = min(threshold, self.policy.clear_min_support)
            floor = min(floor, self.policy.clear_min_coverage)
        return support >= threshold and best.coverage >= floor

    def _coverage(self, question: Question, rows: tuple[int, ...]) -> float:
        """Share of the question's rarity-weighted stems found in the sentences or around them."""
        own: set[str] = set()
        for row in rows:
            own |= self._stems(row)
        own = self.vocabulary.with_aliases(own)
        around = self.vocabulary.with_aliases(self._context_stems(rows))
        total = matched = 0.0
        weighted = [(s, 1.0) for s in question.stems] + [(s, HISTORY_WEIGHT) for s in question.context_stems]
        for stem_, weight in weighted:
            idf = self.vocabulary.idf(stem_) * weight
            total += idf
            if self._matches(stem_, own):
                matched += idf
            elif self._matches(stem_, around):
                matched += CONTEXT_WEIGHT * idf
        return matched / total if total else 0.0

    def _context_stems(self, rows: tuple[int, ...]) -> set[str]:
        """Stems of the neighbouring sentences, the document title and its year."""
        first = self.library.passages[rows[0]]
        last = self.library.passages[rows[-1]]
        # A sentence opening with a pronoun is about someone named a few sentences earlier.
        before = PRONOUN_LOOKBACK if _opens_with_pronoun(first.passage.text) else 1
        around: set[str] = set()
        for neighbour in self.library.neighbours(first.id, before=before, after=0):
            around |= self._stems(self.library.row_of[neighbour.id])
        for neighbour in self.library.neighbours(last.id, before=0, after=1):
            around |= self._stems(self.library.row_of[neighbour.id])
        document = self.library.documents.get(first.passage.document_id)
        if document is not None:
            # What the document is and who published it says something too: "the council's press
            # release", "the 2025 report", "CIW found" (in CIW's own report, "we found").
            meta = document.meta
            around |= set(terms.content_stems(f"{document.title} {meta.kind} {meta.publisher}"))
            if meta.date:
                around.add(meta.date[:4])
        return around

    def _matches(self, stem_: str, stems: set[str] | frozenset[str]) -> bool:
        """True when `stems` holds `stem_` or a close variant of it (see `_close_prefix`)."""
        return not self._variants(stem_).isdisjoint(stems)

    def _variants(self, stem_: str) -> frozenset[str]:
        """`stem_` and the corpus stems it matches, worked out once per stem, not once per sentence."""
        cached = self._variants_cache.get(stem_)
        if cached is None:
            dictionary = self.vocabulary.dictionary
            close = {s for s in self._known_stems if _close_prefix(stem_, s, dictionary)}
            cached = frozenset({stem_} | close)
            self._variants_cache[stem_] = cached
        return cached

    def _stems(self, row: int) -> frozenset[str]:
        cached = self._stems_cache.get(row)
        if cached is None:
            cached = frozenset(terms.content_stems(self.library.passages[row].passage.text))
            self._stems_cache[row] = cached
        return cached

    def _defining_stems(self, query: str) -> frozenset[str]:
        """The distinctive stems of what defines a counted set: "How many children are in foster
        care?" -> {"foster", "care"}; a figure for children defined otherwise does not answer it."""
        match = _COUNTED_SET.search(query)
        if not match:
            return frozenset()
        kept = [w for w in re.findall(r"[A-Za-z][\w'’-]*", match.group(1)) if not w[0].isupper()]
        return frozenset(
            s for s in terms.content_stems(" ".join(kept)) if self.vocabulary.idf(s) >= COMMON_IDF
        )

    def _evidence(self, rows: tuple[int, ...]) -> set[str]:
        """Stems of the sentences, their neighbours and their document's description, with aliases."""
        own = set().union(*(self._stems(row) for row in rows))
        return self.vocabulary.with_aliases(own | self._context_stems(rows))

    def _names_office(self, question: Question, rows: tuple[int, ...]) -> bool:
        """The sentences or their neighbours name most of the office asked about, its rarer
        words counting more ("Education" in "Director of Education for Powys" more than "Powys")."""
        return self._share(question.office, self._evidence(rows)) >= self.policy.min_office_share

    def _defines(self, defining: frozenset[str], rows: tuple[int, ...]) -> bool:
        """The sentences, their neighbours or their document's title name the counted set."""
        evidence = self._evidence(rows)
        return all(self._matches(s, evidence) for s in defining)

    def _answer_phrases(self, question: Question, text: str, counted: tuple[str, ...]) -> list[str]:
        """Phrases of the expected kind in `text` that say something the question does not."""
        if not question.expects:
            return []
        asked = set(terms.words(question.query))
        # "tripled" answers "by how much", not "how many" or "what is the latest figure".
        counting = bool(_ASKS_COUNT.search(question.query)) and not _CHANGE_QUESTION.search(question.query)
        phrases = []
        for phrase in entities.find(question.expects, text):
            new_words = [w for w in terms.words(phrase) if w not in asked]
            if not new_words or (counting and phrase.lower() in entities.MULTIPLIERS):
                continue
            if question.expects in (NAME, PROPER_NAME) and all(
                self.vocabulary.idf(terms.stem(w)) < COMMON_IDF for w in new_words
            ):
                continue  # "Children's Services" names nothing the reader did not know
            if question.expects in (NAME, PROPER_NAME) and _POSSESSIVE.search(phrase):
                continue  # "Powys County Council's children's services ..." is about the services
            if counted and not _counts(counted, phrase, text):
                continue
            if (
                question.expects == DATE
                and dates.ASKS_CALENDAR.search(question.query)
                and dates.is_vague(phrase)
            ):
                continue  # "On what date ...?" is not answered "six months" or "2017"
            if question.expects == DATE and dates.outside_asked_time(phrase, question.query):
                continue  # "When might they inspect again after the 2018 report?" is not "July 2017"
            phrases.append(phrase)
        return phrases


def _counted_stems(question: str) -> tuple[str, ...]:
    """What "how many" counts, as stems, leaving out proper-noun qualifiers.

    Example: "How many foster carers are there?" -> ("foster", "carer");
    "How many Powys children ...?" -> ("children",).
    """
    match = _COUNTED.search(question)
    if not match:
        return ()
    kept = [w for w in re.findall(r"[A-Za-z][\w'’-]*", match.group(1)) if not w[0].isupper()]
    return tuple(terms.content_stems(" ".join(kept)))


def _counts(counted: tuple[str, ...], phrase: str, text: str, before: int = 8, after: int = 4) -> bool:
    """True when the counted thing is named, words in order, near the figure."""
    position = text.find(phrase)
    if position < 0:
        return False
    preceding = terms.content_stems(text[:position])[-before:]
    following = terms.content_stems(text[position + len(phrase) :])[:after]
    return _contains_run(preceding, counted) or _contains_run(following, counted)


def _contains_run(stems: list[str], run: tuple[str, ...]) -> bool:
    """Example: (["home", "educ", "children"], ("children",)) -> True; ("children", "home") -> False."""
    return any(tuple(stems[i : i + len(run)]) == run for i in range(len(stems) - len(run) + 1))


def _lead(best: Scored, ranked: list[Scored]) -> float:
    """How far `best` scores above the best candidate that shares none of its sentences."""
    rival = next((c.score for c in ranked if set(c.rows).isdisjoint(best.rows)), 0.0)
    return best.score - rival


def _sentence_order(ranked: list[Scored]) -> list[int]:
    """Sentence rows in the order their best candidate ranks, each once."""
    seen: dict[int, None] = {}
    for candidate in ranked:
        for row in candidate.rows:
            seen.setdefault(row, None)
    return list(seen)


def _is_heading(text: str) -> bool:
    """A short line with no closing punctuation: "Priority areas for development"."""
    stripped = text.strip()
    return len(stripped.split()) <= HEADING_WORDS and not re.search(r"[.!?:;,\"”’')]$", stripped)


def _is_kind(kind: str, phrase: str) -> bool:
    """The name's last word is the kind asked for: "Local Democracy Reporting Service" is a "servic"."""
    stems = terms.content_stems(phrase)
    return bool(stems) and stems[-1] == kind


def _states_change(phrase: str) -> bool:
    """Example: "tripled", "40%", "12 per cent" -> True; "154" -> False."""
    lowered = phrase.lower()
    return lowered in entities.MULTIPLIERS or lowered.endswith(("%", "per cent", "percent"))


def _without_possessive(phrase: str) -> str:
    """Example: "Powys County Council’s" -> "Powys County Council"."""
    return _POSSESSIVE.sub("", phrase)


def _opens_with_pronoun(text: str) -> bool:
    return bool(_PRONOUN_OPENING.match(text))


def _close_prefix(a: str, b: str, dictionary: frozenset[str]) -> bool:
    """One stem a close prefix of the other.

    Example: "inspect" / "inspector" and "chair" / "chairwoman" (a compound: "woman" is a word)
    match; "parti" / "particip" do not.
    """
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 5 or not long_.startswith(short):
        return False
    rest = long_[len(short) :]
    return len(short) >= 7 or len(rest) <= 2 or (len(rest) >= 3 and rest in dictionary)
