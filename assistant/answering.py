"""Choose the sentences that answer a question, or decide that the reports do not say.

Without an LLM the answer is built from the sources' own sentences. Each retrieved sentence
is scored on how much of the question's weighted vocabulary it (and its immediate context)
covers, on its dense similarity to the question, and on whether it holds the kind of thing
the question asks for (a name, a date, a figure). The best one leads; a short direct answer
(a name, date or figure taken from that sentence) may go before it.

The answer is refused when the best sentence's support is weak, or when the question asks
for a kind of thing that no well-supported sentence contains.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from assistant import entities, terms
from assistant.library import IndexedPassage, Library
from assistant.questions import NAME, Question
from assistant.retrieval import Hit

CONTEXT_WEIGHT = 0.5  # credit for a question word found next to the sentence, not in it
HISTORY_WEIGHT = 0.3  # weight of words carried over from earlier questions
PRONOUN_LOOKBACK = 3  # sentences searched back for whom "He added that..." is about
_PRONOUN_OPENING = re.compile(r"^[\"“‘']?(?:he|she|they|his|her|their|it)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with the evidence for it."""

    hit: Hit
    item: IndexedPassage
    coverage: float
    similarity: float
    answer_phrases: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class Choice:
    """What the answerer decided: the sentences to cite, and whether they answer."""

    answered: bool
    sentences: list[IndexedPassage]
    short_answer: str
    ranked: list[Scored]


@dataclass(frozen=True)
class AnswerPolicy:
    """Weights and thresholds of sentence choice; one place to tune them, on any question set."""

    coverage_weight: float = 0.7
    similarity_weight: float = 0.3
    type_bonus: float = 0.15
    rank_weight: float = 0.05
    min_support: float = 0.42
    type_margin: float = 0.15
    second_sentence_ratio: float = 0.92
    max_answer_words: int = 45
    max_candidates: int = 40


class Answerer:
    """Scores candidate sentences against a question and picks the answer."""

    def __init__(self, library: Library, vocabulary: terms.Vocabulary, policy: AnswerPolicy) -> None:
        self.library = library
        self.vocabulary = vocabulary
        self.policy = policy
        self._stems_cache: dict[int, frozenset[str]] = {}

    def choose(self, question: Question, hits: list[Hit], max_citations: int) -> Choice:
        ranked = self.rank(question, hits)
        if not ranked:
            return Choice(False, [], "", [])
        best = self._best(question, ranked)
        if best is None or not self._supported(best):
            return Choice(False, [s.item for s in ranked[:max_citations]], "", ranked)
        sentences = [best.item]
        words = len(best.item.passage.text.split())
        for other in ranked:
            if other is best:
                continue
            if len(sentences) >= max_citations:
                break
            extra = len(other.item.passage.text.split())
            if other.score >= self.policy.second_sentence_ratio * best.score and (
                words + extra <= self.policy.max_answer_words
            ):
                sentences.append(other.item)
                words += extra
        short = _without_possessive(best.answer_phrases[0]) if question.expects and best.answer_phrases else ""
        return Choice(True, sentences, short, ranked)

    def rank(self, question: Question, hits: list[Hit]) -> list[Scored]:
        """Candidate sentences, best first."""
        scored = []
        for position, hit in enumerate(hits[: self.policy.max_candidates]):
            item = self.library.passages[hit.row]
            coverage = self._coverage(question, hit.row)
            phrases = self._answer_phrases(question, item.passage.text)
            score = (
                self.policy.coverage_weight * coverage
                + self.policy.similarity_weight * hit.dense_similarity
                + self.policy.rank_weight / (1 + position)
                + (self.policy.type_bonus if phrases else 0.0)
            )
            scored.append(Scored(hit, item, coverage, hit.dense_similarity, tuple(phrases), score))
        scored.sort(key=lambda s: -s.score)
        return scored

    def _best(self, question: Question, ranked: list[Scored]) -> Scored | None:
        """The top sentence; for a question wanting a name, date or figure, the top one holding one.

        None when no sentence close to the top holds what the question asks for.
        """
        if not question.expects:
            return ranked[0]
        for candidate in ranked:
            if candidate.score < ranked[0].score - self.policy.type_margin:
                return None
            if candidate.answer_phrases:
                return candidate
        return None

    def _supported(self, best: Scored) -> bool:
        support = (
            self.policy.coverage_weight * best.coverage
            + self.policy.similarity_weight * best.similarity
        )
        return support >= self.policy.min_support

    def _coverage(self, question: Question, row: int) -> float:
        """Share of the question's rarity-weighted stems found in the sentence or around it."""
        own = self._stems(row)
        item = self.library.passages[row]
        around: set[str] = set()
        # A sentence opening with a pronoun is about someone named a few sentences earlier.
        before = PRONOUN_LOOKBACK if _opens_with_pronoun(item.passage.text) else 1
        for neighbour in self.library.neighbours(item.id, before=before):
            around |= self._stems(self.library.row_of[neighbour.id])
        around |= set(terms.content_stems(self.library.title(item.passage.document_id)))
        document = self.library.documents.get(item.passage.document_id)
        if document and document.meta.date:
            around.add(document.meta.date[:4])
        total = matched = 0.0
        weighted = [(s, 1.0) for s in question.stems] + [
            (s, HISTORY_WEIGHT) for s in question.context_stems
        ]
        for stem_, weight in weighted:
            idf = self.vocabulary.idf(stem_) * weight
            total += idf
            if _matches(stem_, own):
                matched += idf
            elif _matches(stem_, around):
                matched += CONTEXT_WEIGHT * idf
        return matched / total if total else 0.0

    def _stems(self, row: int) -> frozenset[str]:
        cached = self._stems_cache.get(row)
        if cached is None:
            cached = frozenset(terms.content_stems(self.library.passages[row].passage.text))
            self._stems_cache[row] = cached
        return cached

    @staticmethod
    def _answer_phrases(question: Question, text: str) -> list[str]:
        """Phrases of the expected kind in `text` that the question does not already contain."""
        if not question.expects:
            return []
        asked = set(terms.words(question.query))
        phrases = []
        for phrase in entities.find(question.expects, text):
            new_words = [w for w in terms.words(phrase) if w not in asked]
            if new_words and (question.expects != NAME or len(new_words) >= 1):
                phrases.append(phrase)
        return phrases


def _without_possessive(phrase: str) -> str:
    """Example: "Powys County Council’s" -> "Powys County Council"."""
    return re.sub(r"[’']s$", "", phrase)


def _opens_with_pronoun(text: str) -> bool:
    return bool(_PRONOUN_OPENING.match(text))


def _matches(stem_: str, stems: set[str] | frozenset[str]) -> bool:
    if stem_ in stems:
        return True
    if len(stem_) < 5:
        return False
    return any(len(s) >= 5 and (s.startswith(stem_) or stem_.startswith(s)) for s in stems)
