"""The `Assistant`: one object that answers questions, shared by the CLI, the chat and the evals.

`create_assistant(settings)` opens the index, loads the encoder, the English pipeline and the
fitted answer model once and builds the retrievers; `ask` runs read → rewrite a follow-up →
retrieve → answer → cite → verify and returns an `Answer`. `refresh` notices a re-ingest and swaps
in what the index holds now.

The answering itself is `index_version.py`'s; checking questions, filters, follow-ups' earlier
turns, writing up the answer and the shared readers each have their own module beside this one.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from chromadb.api import ClientAPI

from assistant.answering.answerer import Answerer, Examination
from assistant.core import terms
from assistant.core.answer_cache import AnswerCache
from assistant.core.answers import Answer
from assistant.core.derived_build import build_derived
from assistant.core.derived_files import derived_key, load_derived, save_derived
from assistant.core.filters import Filters
from assistant.core.index_version import IndexVersion
from assistant.core.library import Library
from assistant.core.readers import Readers, load_readers
from assistant.core.retrieval import HybridRetriever
from assistant.core.settings import Settings
from ingest.embedder import Embedder
from ingest.store import change_mark, open_client, reopen_client

if TYPE_CHECKING:
    from assistant.generative import GenerativeAnswer, GenerativeAnswerer

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions about the indexed documents with verified citations.

    What it read from the index is one `IndexVersion`; `refresh` swaps in a new one, and a question
    (with the earlier questions a follow-up re-asks) is answered on the version it started with.
    """

    def __init__(
        self,
        settings: Settings,
        library: Library,
        retriever: HybridRetriever,
        readers: Readers,
        client: ClientAPI | None = None,
        vocabulary: terms.Vocabulary | None = None,
    ) -> None:
        self.settings = settings
        self.readers = readers
        self._client = client  # the index, for `refresh`; None: never reloads
        self._refresh_lock = threading.Lock()
        self._checked_at = -math.inf  # time.monotonic() of the last look at the index
        self._mark = library.mark  # the change mark the version in hand is known to be current at
        self._version = IndexVersion(settings, library, retriever, readers, vocabulary)

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
        one read of the change mark each ingest sets (about a millisecond; an index no ingest has
        marked costs a read of every record's metadata, 130 ms at 100,000 passages), skipped
        altogether if the last look was less than `min_interval` seconds ago.
        Questions already being answered finish on the version they started with; a version
        caught mid-ingest (incomplete) is not adopted.
        """
        if self._client is None or time.monotonic() - self._checked_at < min_interval:
            return False
        with self._refresh_lock:
            self._checked_at = time.monotonic()
            try:
                mark = change_mark(self._client)
                if mark is not None and mark == self._mark:
                    return False
                if Library.current_signature(self._client) == self._version.library.signature:
                    self._mark = mark  # marked, yet the same documents (a run that changed nothing)
                    return False
                # Another process may have written the index: read it through a fresh view of the store.
                client = reopen_client(
                    self.settings.index.index_dir,
                    self.settings.index.chroma_host,
                    self.settings.index.chroma_port,
                )
                library = Library.from_index(client, vectors_dir=self.settings.index.vector_files)
                if not library.complete:
                    return False
                retriever, vocabulary = derived_parts(self.settings, library, self.readers)
            except Exception as error:  # noqa: BLE001 - a store caught mid-write: keep answering, look again
                # An ingest in another process can have committed records whose vectors it has not
                # flushed yet; the version in hand is still whole, so questions go on with it.
                log.warning("the index changed but cannot be read yet (%s); trying again shortly", error)
                return False
            self._client = client
            self._mark = library.mark
            # One assignment: a question sees the old version or the new one, never a mix.
            self._version = IndexVersion(self.settings, library, retriever, self.readers, vocabulary)
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


def create_assistant(settings: Settings, readers: Readers | None = None) -> Assistant:
    """Open the index named by `settings` and build an `Assistant` over it.

    `readers` lets several assistants (one per collection, in the evals) share one encoder,
    English pipeline and answer model.
    """
    client = open_client(settings.index.index_dir, settings.index.chroma_host, settings.index.chroma_port)
    library = Library.from_index(client, vectors_dir=settings.index.vector_files)
    readers = readers or load_readers(settings)
    retriever, vocabulary = derived_parts(settings, library, readers)
    return Assistant(settings, library, retriever, readers, client=client, vocabulary=vocabulary)


def derived_parts(
    settings: Settings, library: Library, readers: Readers
) -> tuple[HybridRetriever, terms.Vocabulary]:
    """The retriever and vocabulary of `library`: loaded when this version's were kept by an
    earlier start (or another chat process), else built and kept (`derived_files`)."""
    folder = settings.index.derived_files
    dictionary = readers.embedder.known_words()
    key = derived_key(library)
    derived = load_derived(folder, key, dictionary) if library.passages else None
    if derived is None:
        texts = [p.passage.text for p in library.passages]
        keywords, vocabulary = build_derived(texts, dictionary, settings.retrieval.parallel_vocabulary_from)
        if keywords is not None:
            save_derived(folder, key, keywords, vocabulary)
    else:
        keywords, vocabulary = derived
    retriever = HybridRetriever(
        library,
        settings.retrieval.candidates,
        settings.retrieval.rrf_k,
        settings.retrieval.mode,
        keywords=keywords,
    )
    return retriever, vocabulary
