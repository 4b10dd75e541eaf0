"""Turning the answerer's choice into an `Answer`: the citations numbered and checked, the text the
reader sees (a refusal, one quote with its lead, or two places), and the passages shown with it.

Does not choose what to say (that is `assistant.answering`), only writes it up.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.answering.compose import AnswerShape, Choice
from assistant.answering.reading import Reading
from assistant.core.answers import Answer, Citation, RetrievedPassage
from assistant.core.citations import cite
from assistant.core.filters import Filters, allowed_documents
from assistant.core.library import Library
from assistant.core.retrieval import Hit
from assistant.core.settings import Settings
from ingest.sections import SEPARATOR

# "this group", "these files": the sentence's subject is its section's.
_DEMONSTRATIVE = re.compile(r"\b(?:this|these)\s+[a-z]", re.IGNORECASE)
MAX_NAMED_WORDS = 8  # a longer heading is a sentence of its own, not a name


def assemble_answer(
    settings: Settings,
    library: Library,
    reading: Reading,
    choice: Choice,
    hits: list[Hit],
    query_vector: np.ndarray,
    filters: Filters | None,
) -> Answer:
    """The `Answer` for `choice`: its text, citations and passages."""
    citations = cite(library, choice.sentences)
    passages = _passages(settings, library, choice, hits, query_vector)
    called = settings.answering.called
    markers = ", ".join(f"[{c.n}]" for c in citations)
    confidence = round(choice.confidence, 3)
    if not choice.answered:
        text = f"{_capitalised(called)} do not appear to cover this."
        if filters is not None and allowed_documents(library, filters) is not None:
            text = (
                f"Nothing in the documents the filters allow covers this; without the filters, {called} may."
            )
        if citations:
            text += (
                f" The nearest passages are {markers}."
                if choice.nearest_are_close
                else f" The nearest passages, {markers}, are not about this question."
            )
        return Answer(reading.original, reading.query, text, False, citations, passages, "", confidence)
    quotes = [f"{_named(c)}{_display(c.quote)} [{c.n}]" for c in citations]
    if choice.shape == AnswerShape.TWO:
        text = f"{two_places_opening(called)} " + " ".join(quotes)
    elif choice.short_answer and not _opens_with(quotes[0], choice.short_answer):
        text = f"{choice.short_answer}. " + " ".join(quotes)
    else:
        text = " ".join(quotes)
    return Answer(
        reading.original, reading.query, text, True, citations, passages, choice.short_answer, confidence
    )


def two_places_opening(called: str) -> str:
    """What a two-places answer opens with ("The reports may answer this in two places:"); `make
    fit` counts its words into the answers' length."""
    return f"{_capitalised(called)} may answer this in two places:"


def _passages(
    settings: Settings, library: Library, choice: Choice, hits: list[Hit], query_vector: np.ndarray
) -> list[RetrievedPassage]:
    """The cited sentences first, then the other candidates in the model's order (it reads the
    sentences more closely than fusion does), then the remaining hits. A sentence that was not
    a hit has no ranks."""
    by_row = {hit.row: hit for hit in hits}
    cited = [library.row_of[item.id] for item in choice.sentences]
    rows = dict.fromkeys([*cited, *choice.ranked_rows, *(hit.row for hit in hits)])
    passages = []
    for row in list(rows)[: settings.retrieval.top_k]:
        hit = by_row.get(row)
        if hit is None:
            hit = Hit(row, 0.0, None, None, float(library.vectors[row] @ query_vector))
        passages.append(_retrieved(library, hit))
    return passages


def _retrieved(library: Library, hit: Hit) -> RetrievedPassage:
    item = library.passages[hit.row]
    p = item.passage
    return RetrievedPassage(
        id=item.id,
        source=p.document_id,
        title=library.title(p.document_id),
        text=p.text,
        start=p.start,
        end=p.end,
        score=round(hit.score, 6),
        bm25_rank=hit.bm25_rank,
        dense_rank=hit.dense_rank,
        dense_similarity=round(hit.dense_similarity, 4),
    )


def _display(quote: str) -> str:
    return " ".join(quote.split())


def _named(citation: Citation) -> str:
    """The section a quote stands under, when the quote names its subject only as "this ..."
    ("Access to the daemon is controlled by this group." under "libvirt"): "libvirt: "."""
    title = citation.section.rsplit(SEPARATOR, 1)[-1].strip()
    if not title or not _DEMONSTRATIVE.search(citation.quote):
        return ""
    return f"{title}: " if len(title.split()) <= MAX_NAMED_WORDS else ""


def _opens_with(sentence: str, lead: str) -> bool:
    """Whether the sentence already starts with the lead ("18 recommendations ..." for "18"), so
    the lead in front would only repeat it ("18. 18 recommendations ...")."""
    head = sentence.lstrip("\"'“‘(")
    return head[: len(lead)].casefold() == lead.casefold() and not head[len(lead) : len(lead) + 1].isalnum()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
