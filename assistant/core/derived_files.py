"""What a chat process derives from one version of the library, kept on disk for the next start.

The keyword (BM25) index and the vocabulary's counts are pure functions of the passages' texts in
row order. Building them takes some 3.5 s at 100,000 passages, at every start and after every
re-ingest, in every chat process. Here they are kept in a folder named by a digest of the
passage ids in row order (each id is a hash of its passage's text and place), of the code that
builds them and of bm25s's version, so a folder is used only for exactly the passages and the
code it was built from. The first process to build a version writes it (atomically: a reader
sees the whole folder or none); later starts and other chat processes of the machine load it,
the score matrix memory-mapped. Folders of other versions are removed when a new one is
written. A cache: deleting the folder loses nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import bm25s

from assistant.core import keyword_index, terms
from assistant.core.keyword_index import KeywordIndex
from assistant.core.library import Library

VOCABULARY_FILE = "vocabulary.json"
KEYWORDS_FOLDER = "keywords"


def derived_key(library: Library) -> str:
    """The digest naming what `library`'s passages derive to, with this code."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(bm25s.__version__.encode("utf-8"))
    for module in (keyword_index, terms):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update("\n".join(p.id for p in library.passages).encode("ascii"))
    return digest.hexdigest()


def load_derived(
    folder: Path, key: str, dictionary: frozenset[str]
) -> tuple[KeywordIndex, terms.Vocabulary] | None:
    """The keyword index and vocabulary kept under `key`, or None when there are none (or they
    cannot be read: the folder is removed, so they are built and kept again)."""
    place = folder / key
    if not place.is_dir():
        return None
    try:
        counts = json.loads((place / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return KeywordIndex.load(place / KEYWORDS_FOLDER), terms.Vocabulary.from_counts(counts, dictionary)
    except (OSError, ValueError, KeyError, TypeError):
        shutil.rmtree(place, ignore_errors=True)  # damaged: built and written again
        return None


def save_derived(folder: Path, key: str, keywords: KeywordIndex, vocabulary: terms.Vocabulary) -> bool:
    """Keep both under `key` and remove other versions' folders; False when the folder cannot be
    written (nothing is lost: the next start builds them again)."""
    place = folder / key
    if place.is_dir():
        return True
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder, prefix=".partial-"))
        try:
            keywords.save(partial / KEYWORDS_FOLDER)
            (partial / VOCABULARY_FILE).write_text(json.dumps(vocabulary.counts()), encoding="utf-8")
            os.rename(partial, place)  # another process may have won the race: then its folder stays
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    except OSError:
        return place.is_dir()
    _remove_others(folder, key)
    return True


def _remove_others(folder: Path, key: str) -> None:
    """Other versions' folders (a process still on one keeps its open memory maps)."""
    for path in folder.iterdir():
        if path.name != key and path.is_dir():
            with contextlib.suppress(OSError):
                shutil.rmtree(path)
