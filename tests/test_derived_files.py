"""Derived files: the keyword index and vocabulary a chat builds for one version of the index are
kept, loaded by the next start (or another chat process), give the same retrieval and answers as
building them, are replaced when the passages change, and a damaged copy is rebuilt."""

from __future__ import annotations

from pathlib import Path

from assistant.core.derived_files import KEYWORDS_FOLDER, VOCABULARY_FILE, derived_key, load_derived
from assistant.core.readers import Readers
from assistant.core.service import Assistant, create_assistant
from ingest.embedder import Embedder
from tests.conftest import folder_settings, ingest_folder

LOG = """The Lighthouse Keepers Log (LKL) is kept at the north station.
The lamp failed twice in January. Keeper Morwenna Hale replaced its wick on 3 February.
The fog signal was tested every Sunday and sounded for nine minutes each time.
"""
SURVEY = """The harbour survey was carried out by the port authority in May.
Eleven moorings were inspected. Two were loose and were tightened the same week.
"""
QUESTIONS = ("Who replaced the wick?", "How many moorings were inspected?", "What does LKL stand for?")


def _retrieved(assistant: Assistant, question: str) -> list[tuple[int, float]]:
    vector = assistant.readers.embed_query(question)
    return [(hit.row, round(hit.score, 12)) for hit in assistant.retriever.retrieve(question, vector)]


def test_a_second_start_loads_what_the_first_built_and_answers_alike(
    tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    settings = folder_settings(tmp_path, {"log.txt": LOG, "survey.txt": SURVEY})
    ingest_folder(settings.index.corpus_dir, settings.index.index_dir, embedder)
    folder = settings.index.derived_files

    built = create_assistant(settings, readers)
    key = derived_key(built.library)
    assert [p.name for p in folder.iterdir()] == [key]
    kept = load_derived(folder, key, readers.embedder.known_words())
    assert kept is not None
    keywords, vocabulary = kept
    assert keywords.search("wick keeper", 5) == built.retriever._bm25.search("wick keeper", 5)  # type: ignore[union-attr]
    assert vocabulary.frequency == built.vocabulary.frequency
    assert vocabulary.aliases == built.vocabulary.aliases and "lkl" in vocabulary.aliases
    assert vocabulary.correct("moorngs") == built.vocabulary.correct("moorngs") == "moorings"

    loaded = create_assistant(settings, readers)
    for question in QUESTIONS:
        assert _retrieved(loaded, question) == _retrieved(built, question)
        assert loaded.ask(question).text == built.ask(question).text

    # New passages: a new folder replaces the old one.
    with (settings.index.corpus_dir / "survey.txt").open("a", encoding="utf-8") as out:
        out.write("The slipway was resurfaced in June by the same contractor.\n")
    ingest_folder(settings.index.corpus_dir, settings.index.index_dir, embedder)
    changed = create_assistant(settings, readers)
    new_key = derived_key(changed.library)
    assert new_key != key and [p.name for p in folder.iterdir()] == [new_key]

    # A damaged copy is not used: it is built and kept again.
    (folder / new_key / VOCABULARY_FILE).write_text("{", encoding="utf-8")
    rebuilt = create_assistant(settings, readers)
    assert rebuilt.vocabulary.frequency == changed.vocabulary.frequency
    assert (folder / new_key / KEYWORDS_FOLDER).is_dir()
    assert load_derived(folder, new_key, frozenset()) is not None
