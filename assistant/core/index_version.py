"""How a question is answered on what was read from one version of the index: checked, looked up
in the answer cache, read once (a follow-up made self-contained from its earlier turns), retrieved
for, chosen from by the answerer and written up as an `Answer`.

Does not watch the index for changes: the `Assistant` swaps in a new `IndexVersion` when it does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.answering.answerer import Answerer, AnswerSettings, Examination
from assistant.answering.followup import is_follow_up, rewrite
from assistant.answering.model import AnswerModel, Thresholds
from assistant.answering.reading import Reading, read_question, strip_markup
from assistant.core import terms
from assistant.core.answer_assembly import assemble_answer
from assistant.core.answer_cache import AnswerCache
from assistant.core.answers import Answer
from assistant.core.earlier_turns import answered_turns
from assistant.core.filters import Filters, allowed_documents
from assistant.core.library import Library
from assistant.core.parse_files import StoredParses
from assistant.core.questions import validated_question
from assistant.core.readers import Readers
from assistant.core.retrieval import Hit, HybridRetriever
from assistant.core.settings import Settings


class IndexVersion:
    """What was read from one version of the index, and how questions are answered on it."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        retriever: HybridRetriever,
        readers: Readers,
        vocabulary: terms.Vocabulary | None = None,
    ) -> None:
        """`vocabulary`: the library's, when already built or loaded (`derived_files`)."""
        self.settings = settings
        self.library = library
        self.retriever = retriever
        self.readers = readers
        if vocabulary is None:
            vocabulary = terms.Vocabulary(
                (p.passage.text for p in library.passages), readers.embedder.known_words()
            )
        self.vocabulary = vocabulary
        self.answerer = Answerer(
            library,
            self.vocabulary,
            readers.language,
            readers.embed_texts,
            readers.model,
            _answer_settings(settings, readers.model),
            StoredParses(settings.index.parse_files, library),
        )
        self.answers = AnswerCache(settings.serving.answer_cache_size)

    def ask(self, question: str, history: Sequence[str], filters: Filters | None, mode: str | None) -> Answer:
        question = validated_question(question, self.settings.serving.max_question_chars)
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
        question = validated_question(question, self.settings.serving.max_question_chars)
        reading, hits, query_vector = self._read_and_retrieve(question, list(history), None, None)
        return self.answerer.examine(reading, hits, query_vector)

    def _answer(self, question: str, history: list[str], filters: Filters | None, mode: str | None) -> Answer:
        reading, hits, query_vector = self._read_and_retrieve(question, history, filters, mode)
        choice = self.answerer.choose(reading, hits, query_vector)
        return assemble_answer(self.settings, self.library, reading, choice, hits, query_vector, filters)

    def _read_and_retrieve(
        self, question: str, history: list[str], filters: Filters | None, mode: str | None
    ) -> tuple[Reading, list[Hit], np.ndarray]:
        """Read the question once (a follow-up made self-contained), then retrieve for it."""
        fixed = terms.correct_spelling(strip_markup(question), self.vocabulary)
        turns = answered_turns(self.ask, history, filters, mode) if history and is_follow_up(fixed) else []
        query, context, stand_ins = rewrite(fixed, turns, self.readers.language)
        cited = tuple((t.source, t.start) for t in turns[-1:] if t.source)
        reading = read_question(question, query, self.readers.language, context, cited, stand_ins)
        query_vector = self.readers.embed_query(query)
        hits = self.retriever.retrieve(query, query_vector, allowed_documents(self.library, filters), mode)
        return reading, hits, query_vector


def _answer_settings(settings: Settings, model: AnswerModel) -> AnswerSettings:
    """The settings' answering knobs; thresholds left unset take the fitted values."""
    chosen = settings.answering
    fitted = model.thresholds
    return AnswerSettings(
        candidates=chosen.candidates,
        neighbours_of=chosen.neighbours_of,
        max_citations=settings.answering.max_citations,
        near=chosen.near,
        thresholds=Thresholds(
            answer=fitted.answer if chosen.answer_threshold is None else chosen.answer_threshold,
            lead=fitted.lead if chosen.lead_threshold is None else chosen.lead_threshold,
            span=fitted.span if chosen.span_threshold is None else chosen.span_threshold,
            second=fitted.second if chosen.second_threshold is None else chosen.second_threshold,
            off_topic=fitted.off_topic if chosen.off_topic_threshold is None else chosen.off_topic_threshold,
            pair_words=fitted.pair_words if chosen.pair_words is None else chosen.pair_words,
        ),
    )
