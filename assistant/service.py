"""The `Assistant`: one object that answers questions, shared by the CLI, the chat and the evals.

`create_assistant(settings)` opens the index, loads the model once and builds the retrievers;
`ask` runs rewrite → retrieve → choose sentences → cite → verify and returns an `Answer`.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from chromadb.api import ClientAPI

from assistant import entities, questions, terms
from assistant.answer_cache import AnswerCache
from assistant.answering import Answerer, AnswerPolicy, Choice
from assistant.answers import Answer, RetrievedPassage
from assistant.citations import cite
from assistant.library import Library
from assistant.retrieval import Hit, HybridRetriever
from assistant.settings import Settings
from ingest.embedder import Embedder, load_embedder
from ingest.store import open_client, passages_collection, reopen_client

NOT_COVERED = "The reports do not appear to cover this."


class InvalidQuestion(ValueError):
    """A question that cannot be asked as given; the message is meant for the user."""


@dataclass(frozen=True)
class Filters:
    """Restrict an answer to some documents and/or a date range (ISO dates, inclusive)."""

    documents: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""


class Assistant:
    """Answers questions about the indexed reports with verified citations.

    What it read from the index is one `_Version`; `refresh` swaps in a new one, and a question
    (with the earlier questions a follow-up re-asks) is answered on the version it started with.
    """

    def __init__(
        self,
        settings: Settings,
        library: Library,
        retriever: HybridRetriever,
        embedder: Embedder,
        client: ClientAPI | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = client  # the index, for `refresh`; None: never reloads
        self._refresh_lock = threading.Lock()
        self._checked_at = -math.inf  # time.monotonic() of the last look at the index
        self._embed_query = lru_cache(maxsize=1024)(embedder.embed_query)
        self._version = _Version(settings, library, retriever, embedder, self._embed_query)

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
            self._client = client
            # One assignment: a question sees the old version or the new one, never a mix.
            self._version = _Version(self.settings, library, retriever, self.embedder, self._embed_query)
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


class _Version:
    """What was read from one version of the index, and how questions are answered on it."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        retriever: HybridRetriever,
        embedder: Embedder,
        embed_query: Callable[[str], np.ndarray],
    ) -> None:
        self.settings = settings
        self.library = library
        self.retriever = retriever
        self.vocabulary = terms.Vocabulary((p.passage.text for p in library.passages), embedder.known_words())
        self.answerer = Answerer(library, self.vocabulary, AnswerPolicy())
        self.answers = AnswerCache(settings.answer_cache_size)
        self._embed_query = embed_query

    def ask(self, question: str, history: Sequence[str], filters: Filters | None, mode: str | None) -> Answer:
        question = _validated(question, self.settings.max_question_chars)
        history = [h for h in (h.strip() for h in history) if h][-4:]
        # History changes an answer only for a follow-up; leaving it out otherwise lets the
        # same question asked in different conversations share one cached answer.
        key = (question, tuple(history) if questions.is_follow_up(question) else (), filters, mode)
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        answer = self._answer(question, history, filters, mode)
        self.answers.put(key, answer)
        return answer

    def _answer(self, question: str, history: list[str], filters: Filters | None, mode: str | None) -> Answer:
        previous = self._previous_answer(question, history, filters, mode)
        answered = previous is not None and previous.answered
        resolved = questions.resolve(
            question,
            self.vocabulary,
            history,
            self._previous_name(question, history, previous, filters, mode),
            tuple((c.source, c.start) for c in previous.citations) if previous and answered else (),
        )
        allowed = self._allowed_documents(filters)
        query_vector = self._embed_query(resolved.query)
        hits = self.retriever.retrieve(resolved.query, query_vector, allowed, mode)
        choice = self.answerer.choose(resolved, hits, query_vector, self.settings.max_citations)
        return self._compose(question, resolved.query, choice, hits, query_vector)

    def _previous_answer(
        self, question: str, history: list[str], filters: Filters | None, mode: str | None
    ) -> Answer | None:
        """How the last earlier question was answered: its name stands in for "he"/"she" in a
        follow-up, and its quotes are what the follow-up should go beyond."""
        if not history or not questions.is_follow_up(question):
            return None
        return self.ask(history[-1], history[:-1], filters, mode)

    def _previous_name(
        self,
        question: str,
        history: list[str],
        previous: Answer | None,
        filters: Filters | None,
        mode: str | None,
    ) -> str:
        """Whom "he" or "she" means: the name the latest earlier question that had one was answered with.

        Example: ["Who led the council?", "Did it accept the report?"] + "What did she say?"
        -> the leader's name, found by going back past the yes/no question.
        """
        if previous is None or not questions.refers_to_person(question):
            return ""
        if _names_person(previous):
            return previous.short_answer
        for depth in range(2, min(len(history), 3) + 1):
            earlier = self.ask(history[-depth], history[:-depth], filters, mode)
            if _names_person(earlier):
                return earlier.short_answer
        return ""

    def _allowed_documents(self, filters: Filters | None) -> set[str] | None:
        if filters is None or not (filters.documents or filters.date_from or filters.date_to):
            return None
        allowed = set(filters.documents or self.library.documents)
        return {d for d in allowed if _in_range(self.library, d, filters.date_from, filters.date_to)}

    def _compose(
        self, question: str, query: str, choice: Choice, hits: list[Hit], query_vector: np.ndarray
    ) -> Answer:
        citations = cite(self.library, choice.sentences)
        passages = self._passages(choice, hits, query_vector)
        if not choice.answered:
            text = NOT_COVERED
            if citations:
                markers = ", ".join(f"[{c.n}]" for c in citations)
                text += f" The nearest passages are {markers}."
            return Answer(question, query, text, False, citations, passages)
        body = " ".join(f"{_display(c.quote)} [{c.n}]" for c in citations)
        text = f"{choice.short_answer}. {body}" if choice.short_answer else body
        return Answer(question, query, text, True, citations, passages, choice.short_answer)

    def _passages(self, choice: Choice, hits: list[Hit], query_vector: np.ndarray) -> list[RetrievedPassage]:
        """The cited sentences first, even one found beyond the hits (a document's date line, the
        sentence giving a full name), then the other hits in the answerer's order: it reads the
        sentences more closely than fusion does. A sentence that was not a hit has no ranks."""
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


def date_span(date: str) -> tuple[str, str]:
    """The first and last day an ISO date at any precision covers: "2018" -> 2018-01-01, 2018-12-31."""
    if len(date) == 4:
        return f"{date}-01-01", f"{date}-12-31"
    if len(date) == 7:
        year, month = int(date[:4]), int(date[5:7])
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return f"{date}-01", (following - dt.timedelta(days=1)).isoformat()
    return date, date


def create_assistant(settings: Settings) -> Assistant:
    """Open the index named by `settings` and build an `Assistant` over it."""
    client = open_client(settings.index_dir, settings.chroma_host, settings.chroma_port)
    library = Library.from_index(client)
    embedder = settings_embedder(settings, settings.query_threads)
    return Assistant(settings, library, _retriever(settings, library, client), embedder, client=client)


def settings_embedder(settings: Settings, threads: int = 0) -> Embedder:
    """The encoder the settings name; `threads` 0 uses every core (ingest), the chat asks for fewer."""
    return load_embedder(
        settings.model_path, settings.embed_batch_size, settings.encoder, threads, settings.encoder_cache_dir
    )


def _retriever(settings: Settings, library: Library, client: ClientAPI) -> HybridRetriever:
    return HybridRetriever(
        library, passages_collection(client), settings.candidates, settings.rrf_k, settings.retrieval_mode
    )


def _names_person(answer: Answer) -> bool:
    """The answer's short answer is someone "he" or "she" can refer to, not a body or a place."""
    return answer.answered and bool(answer.short_answer) and not entities.is_organisation(answer.short_answer)
