"""How much of a question's wording a text holds: content stems, weighed by rarity, and what they
are computed against (`Context`: the library, word rarity, the encoder).

Shared by the span, sentence and question-level features. Does not compute a feature table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.language import Parsed
from assistant.answering.reading import WH_TAGS, Reading
from assistant.core import terms
from assistant.core.library import Library

CONTEXT_WEIGHT = 0.3  # an earlier question's words, or a name a follow-up's pronoun stands for


@dataclass
class Context:
    """What features are computed against: the library, word rarity and the encoder."""

    library: Library
    vocabulary: terms.Vocabulary
    embed: Callable[[Sequence[str]], np.ndarray]  # normalised vectors of short texts
    _stems: dict[int, frozenset[str]] = field(default_factory=dict)  # per library row, made once

    def stems_of_row(self, row: int) -> frozenset[str]:
        """The content stems of a library passage (cached: one library version per Context)."""
        found = self._stems.get(row)
        if found is None:
            found = frozenset(terms.content_stems(self.library.passages[row].passage.text))
            self._stems[row] = found
        return found


def lemma_stems(parsed: Parsed) -> set[str]:
    """Stems of the lemmas of a parsed text's content words."""
    return {
        terms.stem(t.lemma)
        for t in parsed.tokens
        if t.pos not in ("PUNCT", "SPACE") and t.lemma not in terms.STOPWORDS and len(t.lemma) > 1
    }


def reading_lemma_stems(reading: Reading) -> list[str]:
    """The question's content words as lemma stems, wh-words and auxiliaries left out."""
    return sorted(
        lemma_stems(reading.parsed) - {terms.stem(t.lemma) for t in reading.parsed.tokens if t.tag in WH_TAGS}
    )


def asked_stems(reading: Reading) -> dict[str, float]:
    """The question's content stems, each weighing 1, and its context's, weighing CONTEXT_WEIGHT:
    "What did he say about staff?" after "Who ...?" is about staff, said by the person named."""
    weights = dict.fromkeys(reading.context_stems, CONTEXT_WEIGHT)
    weights.update(dict.fromkeys(reading.stems, 1.0))
    return weights


def share(
    stems: Iterable[str] | dict[str, float], found: set[str] | frozenset[str], vocabulary: terms.Vocabulary
) -> float:
    """Share of `stems`, rarer ones weighing more, that `found` holds (abbreviations expanded).
    `stems` may map each stem to a weight of its own."""
    given = stems if isinstance(stems, dict) else dict.fromkeys(stems, 1.0)
    weights = {s: vocabulary.idf(s) * w for s, w in given.items()}
    total = sum(weights.values())
    if not total:
        return 0.0
    expanded = vocabulary.with_aliases(set(found))
    return sum(w for s, w in weights.items() if s in expanded) / total


def window_stems(context: Context, row: int) -> set[str]:
    """Stems of the sentence, its neighbours and what its document is (title, kind, publisher, year)."""
    library = context.library
    item = library.passages[row]
    found: set[str] = set()
    for neighbour in library.neighbours(item.id, before=1, after=1):
        found |= context.stems_of_row(library.row_of[neighbour.id])
    document = library.documents.get(item.passage.document_id)
    if document is not None:
        meta = document.meta
        found |= set(terms.content_stems(f"{document.title} {meta.kind} {meta.publisher}"))
        if meta.date:
            found.add(meta.date[:4])
    return found
