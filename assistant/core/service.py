"""The `Assistant`: one object that answers questions, shared by the CLI, the chat and the evals.

`create_assistant(settings)` opens the index, loads the encoder, the English pipeline and the
fitted answer model once and builds the retrievers; `ask` runs read → rewrite a follow-up →
retrieve → answer → cite → verify and returns an `Answer`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np
from chromadb.api import ClientAPI

from assistant.answering.answerer import Answerer, AnswerSettings, Examination
from assistant.answering.compose import Choice
from assistant.answering.features import (
    ANSWERABILITY_FEATURES,
    CONFIDENCE_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
)
from assistant.answering.followup import Turn, is_follow_up, rewrite
from assistant.answering.language import Language
from assistant.answering.model import AnswerModel, Thresholds, load_model
from assistant.answering.reading import Reading, read_question, strip_markup
from assistant.core import terms
from assistant.core.answer_cache import AnswerCache
from assistant.core.answers import Answer, RetrievedPassage
from assistant.core.citations import cite
from assistant.core.library import Library
from assistant.core.retrieval import Hit, HybridRetriever
from assistant.core.settings import Settings
from ingest.dates import date_span
from ingest.embedder import Embedder, load_embedder
from ingest.store import open_client, passages_collection, reopen_client

if TYPE_CHECKING:
    from assistant.generative import GenerativeAnswer, GenerativeAnswerer

log = logging.getLogger(__name__)


class InvalidQuestion(ValueError):
    """A question that cannot be asked as given; the message is meant for the user."""


@dataclass(frozen=True)
class Filters:
    """Restrict an answer to some documents and/or a date range (ISO dates, inclusive)."""

    documents: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""


@dataclass(frozen=True)
class Readers:
    """What every version of the index is read and answered with: loaded once per process."""

    embedder: Embedder
    embed_query: Callable[[str], np.ndarray]
    language: Language
    model: AnswerModel

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of short texts (a question's focus noun, candidate spans), each cached."""
        return np.vstack([self.embed_query(text) for text in texts])


class Assistant:
    """Answers questions about the indexed documents with verified citations.

    What it read from the index is one `_Version`; `refresh` swaps in a new one, and a question
    (with the earlier questions a follow-up re-asks) is answered on the version it started with.
    """

    def __init__(
        self,
        settings: Settings,
        library: Library,
        retriever: HybridRetriever,
        readers: Readers,
        client: ClientAPI | None = None,
    ) -> None:
        self.settings = settings
        self.readers = readers
        self._client = client  # the index, for `refresh`; None: never reloads
        self._refresh_lock = threading.Lock()
        self._checked_at = -math.inf  # time.monotonic() of the last look at the index
        self._version = _Version(settings, library, retriever, readers)

    @property
    def embedder(self) -> Embedder:
        return self.readers.embedder

    @property
    def library(self) -> Library:
        return self._version.library

    @property
    def retriever(self) -> HybridRetriever:
        return self._version.retriever

    @property
    def vocabulary(self) -> terms.Vocabulary:
        return self._version.vocabulary

    @property
    def answerer(self) -> Answerer:
        return self._version.answerer

    @property
    def answers(self) -> AnswerCache:
        return self._version.answers

    @answers.setter
    def answers(self, cache: AnswerCache) -> None:
        self._version.answers = cache

    def refresh(self, min_interval: float = 0.0) -> bool:
        """Reload the library if the index's documents changed since it was read; True if it did.

        Call it between questions (the chat does, before each one). When nothing changed it costs
        one small read of the document records, skipped altogether if the last look was less than
        `min_interval` seconds ago (under load that read was a quarter of the server's time).
        Questions already being answered finish on the version they started with; a version
        caught mid-ingest (incomplete) is not adopted.
        """
        if self._client is None or time.monotonic() - self._checked_at < min_interval:
            return False
        with self._refresh_lock:
            self._checked_at = time.monotonic()
            try:
                if Library.current_signature(self._client) == self._version.library.signature:
                    return False
                # Another process may have written the index: read it through a fresh view of the store.
                client = reopen_client(
                    self.settings.index_dir, self.settings.chroma_host, self.settings.chroma_port
                )
                library = Library.from_index(client)
                if not library.complete:
                    return False
                retriever = _retriever(self.settings, library, client)
            except Exception as error:  # noqa: BLE001 - a store caught mid-write: keep answering, look again
                # An ingest in another process can have committed records whose vectors it has not
                # flushed yet; the version in hand is still whole, so questions go on with it.
                log.warning("the index changed but cannot be read yet (%s); trying again shortly", error)
                return False
            self._client = client
            # One assignment: a question sees the old version or the new one, never a mix.
            self._version = _Version(self.settings, library, retriever, self.readers)
        return True

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> Answer:
        """Answer `question`, using `history` (earlier questions, oldest first) for follow-ups."""
        return self._version.ask(question, history, filters, mode)

    def ask_generative(
        self, question: str, history: Sequence[str] = (), filters: Filters | None = None
    ) -> GenerativeAnswer:
        """`ask`'s passages written up by the configured language model, every sentence checked
        against its quote; `ask`'s own answer (with `fallback_reason`) when there is no model, it
        fails or times out, or nothing it wrote is supported. What a chat's generative switch calls."""
        version = self._version  # the answer and its passages come from one version of the index
        extractive = version.ask(question, history, filters, None)
        return self.generative.answer(extractive, version.library)

    @cached_property
    def generative(self) -> GenerativeAnswerer:
        """The model client and sentence checker, built on first use (most processes never need them)."""
        from assistant.generative import GenerativeAnswerer

        called = self.settings.answering.called
        return GenerativeAnswerer(self.settings.llm, called, self.readers.language.parse)

    def examine(self, question: str, history: Sequence[str] = ()) -> Examination:
        """The candidates and features the answer model would score for `question` (for `make fit`)."""
        return self._version.examine(question, history)


class _Version:
    """What was read from one version of the index, and how questions are answered on it."""

    def __init__(
        self, settings: Settings, library: Library, retriever: HybridRetriever, readers: Readers
    ) -> None:
        self.settings = settings
        self.library = library
        self.retriever = retriever
        self.readers = readers
        self.vocabulary = terms.Vocabulary(
            (p.passage.text for p in library.passages), readers.embedder.known_words()
        )
        self.answerer = Answerer(
            library,
            self.vocabulary,
            readers.language,
            readers.embed_texts,
            readers.model,
            _answer_settings(settings, readers.model),
        )
        self.answers = AnswerCache(settings.answer_cache_size)

    def ask(self, question: str, history: Sequence[str], filters: Filters | None, mode: str | None) -> Answer:
        question = _validated(question, self.settings.max_question_chars)
        history = [h for h in (h.strip() for h in history) if h][-4:]
        # History changes an answer only for a follow-up; leaving it out otherwise lets the
        # same question asked in different conversations share one cached answer.
        key = (question, tuple(history) if is_follow_up(question) else (), filters, mode)
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        answer = self._answer(question, history, filters, mode)
        self.answers.put(key, answer)
        return answer

    def examine(self, question: str, history: Sequence[str]) -> Examination:
        question = _validated(question, self.settings.max_question_chars)
        reading, hits, query_vector = self._read_and_retrieve(question, list(history), None, None)
        return self.answerer.examine(reading, hits, query_vector)

    def _answer(self, question: str, history: list[str], filters: Filters | None, mode: str | None) -> Answer:
        reading, hits, query_vector = self._read_and_retrieve(question, history, filters, mode)
        choice = self.answerer.choose(reading, hits, query_vector)
        return self._compose(reading, choice, hits, query_vector, filters)

    def _read_and_retrieve(
        self, question: str, history: list[str], filters: Filters | None, mode: str | None
    ) -> tuple[Reading, list[Hit], np.ndarray]:
        """Read the question once (a follow-up made self-contained), then retrieve for it."""
        fixed = terms.correct_spelling(strip_markup(question), self.vocabulary)
        turns = self._turns(history, filters, mode) if history and is_follow_up(fixed) else []
        query, context, stand_ins = rewrite(fixed, turns, self.readers.language)
        cited = tuple((t.source, t.start) for t in turns[-1:] if t.source)
        reading = read_question(question, query, self.readers.language, context, cited, stand_ins)
        query_vector = self.readers.embed_query(query)
        hits = self.retriever.retrieve(query, query_vector, self._allowed_documents(filters), mode)
        return reading, hits, query_vector

    def _turns(self, history: list[str], filters: Filters | None, mode: str | None) -> list[_AnsweredTurn]:
        """The last two earlier questions with how they were answered (each answered once, then cached)."""
        turns = []
        for depth in range(min(len(history), 2), 0, -1):
            earlier = self.ask(history[-depth], history[:-depth], filters, mode)
            first = earlier.citations[0] if earlier.answered and earlier.citations else None
            turns.append(
                _AnsweredTurn(
                    question=earlier.query,
                    short_answer=earlier.short_answer if earlier.answered else "",
                    quote=first.quote if first else "",
                    source=first.source if first else "",
                    start=first.start if first else -1,
                )
            )
        return turns

    def _allowed_documents(self, filters: Filters | None) -> set[str] | None:
        if filters is None or not (filters.documents or filters.date_from or filters.date_to):
            return None
        allowed = set(filters.documents or self.library.documents)
        return {d for d in allowed if _in_range(self.library, d, filters.date_from, filters.date_to)}

    def _compose(
        self,
        reading: Reading,
        choice: Choice,
        hits: list[Hit],
        query_vector: np.ndarray,
        filters: Filters | None,
    ) -> Answer:
        citations = cite(self.library, choice.sentences)
        passages = self._passages(choice, hits, query_vector)
        called = self.settings.answering.called
        markers = ", ".join(f"[{c.n}]" for c in citations)
        confidence = round(choice.confidence, 3)
        if not choice.answered:
            text = f"{_capitalised(called)} do not appear to cover this."
            if filters is not None and self._allowed_documents(filters) is not None:
                text = (
                    "Nothing in the documents the filters allow covers this; "
                    f"without the filters, {called} may."
                )
            if citations:
                text += (
                    f" The nearest passages are {markers}."
                    if choice.nearest_are_close
                    else f" The nearest passages, {markers}, are not about this question."
                )
            return Answer(reading.original, reading.query, text, False, citations, passages, "", confidence)
        quotes = [f"{_display(c.quote)} [{c.n}]" for c in citations]
        if choice.shape == "two":
            text = f"{_capitalised(called)} may answer this in two places: " + " ".join(quotes)
        elif choice.short_answer and not _opens_with(quotes[0], choice.short_answer):
            text = f"{choice.short_answer}. " + " ".join(quotes)
        else:
            text = " ".join(quotes)
        return Answer(
            reading.original, reading.query, text, True, citations, passages, choice.short_answer, confidence
        )

    def _passages(self, choice: Choice, hits: list[Hit], query_vector: np.ndarray) -> list[RetrievedPassage]:
        """The cited sentences first, then the other candidates in the model's order (it reads the
        sentences more closely than fusion does), then the remaining hits. A sentence that was not
        a hit has no ranks."""
        by_row = {hit.row: hit for hit in hits}
        cited = [self.library.row_of[item.id] for item in choice.sentences]
        rows = dict.fromkeys([*cited, *choice.ranked_rows, *(hit.row for hit in hits)])
        passages = []
        for row in list(rows)[: self.settings.top_k]:
            hit = by_row.get(row)
            if hit is None:
                hit = Hit(row, 0.0, None, None, float(self.library.vectors[row] @ query_vector))
            passages.append(self._retrieved(hit))
        return passages

    def _retrieved(self, hit: Hit) -> RetrievedPassage:
        item = self.library.passages[hit.row]
        p = item.passage
        return RetrievedPassage(
            id=item.id,
            source=p.document_id,
            title=self.library.title(p.document_id),
            text=p.text,
            start=p.start,
            end=p.end,
            score=round(hit.score, 6),
            bm25_rank=hit.bm25_rank,
            dense_rank=hit.dense_rank,
            dense_similarity=round(hit.dense_similarity, 4),
        )


@dataclass(frozen=True)
class _AnsweredTurn(Turn):
    """An earlier turn with where its first quote came from (a follow-up should go beyond it)."""

    source: str = ""
    start: int = -1


def _validated(question: str, max_chars: int) -> str:
    """The question with control characters and runs of space collapsed, or `InvalidQuestion`."""
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question or "")
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InvalidQuestion("Please type a question.")
    if len(cleaned) > max_chars:
        raise InvalidQuestion(
            f"That question is {len(cleaned):,} characters long; please keep it under {max_chars:,}."
        )
    return cleaned


def _display(quote: str) -> str:
    return " ".join(quote.split())


def _in_range(library: Library, document_id: str, date_from: str, date_to: str) -> bool:
    """Compare ISO dates at the precision the document has (a year-only date spans its year)."""
    document = library.documents.get(document_id)
    if document is None:
        return False
    date = document.meta.date
    if not date:
        return not (date_from or date_to)
    first, last = date_span(date)
    return (not date_from or last >= date_from) and (not date_to or first <= date_to)


def create_assistant(settings: Settings, readers: Readers | None = None) -> Assistant:
    """Open the index named by `settings` and build an `Assistant` over it.

    `readers` lets several assistants (one per collection, in the evals) share one encoder,
    English pipeline and answer model.
    """
    client = open_client(settings.index_dir, settings.chroma_host, settings.chroma_port)
    library = Library.from_index(client)
    readers = readers or load_readers(settings)
    return Assistant(settings, library, _retriever(settings, library, client), readers, client=client)


def load_readers(settings: Settings, model: AnswerModel | None = None) -> Readers:
    """The encoder, the English pipeline and the answer model (from the settings' file unless given)."""
    embedder = settings_embedder(settings, settings.query_threads)
    model = model or load_model(settings.answering.model_path)
    model.check(SPAN_FEATURES, SENTENCE_FEATURES, CONFIDENCE_FEATURES, ANSWERABILITY_FEATURES)
    return Readers(
        embedder=embedder,
        embed_query=lru_cache(maxsize=8192)(embedder.embed_query),
        language=Language(settings.answering.parse_cache_size),
        model=model,
    )


def settings_embedder(settings: Settings, threads: int = 0) -> Embedder:
    """The encoder the settings name; `threads` 0 uses every core (ingest), the chat asks for fewer."""
    return load_embedder(
        settings.model_path, settings.embed_batch_size, settings.encoder, threads, settings.encoder_cache_dir
    )


def _answer_settings(settings: Settings, model: AnswerModel) -> AnswerSettings:
    """The settings' answering knobs; thresholds left unset take the fitted values."""
    chosen = settings.answering
    fitted = model.thresholds
    return AnswerSettings(
        candidates=chosen.candidates,
        neighbours_of=chosen.neighbours_of,
        max_citations=settings.max_citations,
        near=chosen.near,
        thresholds=Thresholds(
            answer=fitted.answer if chosen.answer_threshold is None else chosen.answer_threshold,
            lead=fitted.lead if chosen.lead_threshold is None else chosen.lead_threshold,
            span=fitted.span if chosen.span_threshold is None else chosen.span_threshold,
            second=fitted.second if chosen.second_threshold is None else chosen.second_threshold,
            off_topic=fitted.off_topic if chosen.off_topic_threshold is None else chosen.off_topic_threshold,
        ),
    )


def _retriever(settings: Settings, library: Library, client: ClientAPI) -> HybridRetriever:
    return HybridRetriever(
        library, passages_collection(client), settings.candidates, settings.rrf_k, settings.retrieval_mode
    )


def _opens_with(sentence: str, lead: str) -> bool:
    """Whether the sentence already starts with the lead ("18 recommendations ..." for "18"), so
    the lead in front would only repeat it ("18. 18 recommendations ...")."""
    head = sentence.lstrip("\"'“‘(")
    return head[: len(lead)].casefold() == lead.casefold() and not head[len(lead) : len(lead) + 1].isalnum()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
