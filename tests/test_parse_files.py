"""Parse files: the ingest parses each document version's passages once and keeps them; a chat
answers from those parses (spaCy runs only on the question), exactly as if it had parsed the
passages itself; a damaged file is parsed around; a replaced version's file goes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assistant.answering.language import Language, parse_format
from assistant.core.ingesting import ingest_with_settings
from assistant.core.parse_files import file_name, read_parse
from assistant.core.readers import Readers
from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from ingest.embedder import Embedder
from ingest.store import documents_collection, open_client, read_all
from tests.conftest import folder_settings

LOG = """The north lamp failed twice in January. Keeper Morwenna Hale replaced its wick on 3 February.
The fog signal was tested every Sunday by the Harbour Board and sounded for nine minutes each time.
"""
SURVEY = """The harbour survey was carried out by the port authority in May.
Eleven moorings were inspected. Two were loose and were tightened the same week by Ifan Rowlands.
"""
QUESTION = "Who replaced the wick?"


def _ingest(settings: Settings, embedder: Embedder, language: Language) -> None:
    ingest_with_settings(
        settings, open_client(settings.index.index_dir), lambda: embedder, language=lambda: language
    )


def _files(settings: Settings) -> dict[str, Path]:
    records = read_all(documents_collection(open_client(settings.index.index_dir)), ("metadatas",))
    return {
        i: settings.index.parse_files / file_name(str(m["vectors_digest"]), parse_format())
        for i, m in zip(records.ids, records.metadatas, strict=True)
    }


def test_the_chat_answers_from_parses_kept_at_ingest(
    tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    settings = folder_settings(tmp_path, {"log.txt": LOG, "survey.txt": SURVEY})
    language = Language()
    _ingest(settings, embedder, language)
    files = _files(settings)
    assert sorted(p.name for p in settings.index.parse_files.iterdir()) == sorted(
        p.name for p in files.values()
    )

    # Each kept parse is the parse the chat would make.
    library = create_assistant(settings, readers).library
    for indexed in library.passages:
        kept = read_parse(files[indexed.passage.document_id], indexed.position, indexed.passage.text)
        assert kept == language.parse(indexed.passage.text)

    # With the files, spaCy reads only the question; the answer is the one a full parse gives.
    with_files = create_assistant(settings, dataclasses.replace(readers, language=Language()))
    answer = with_files.ask(QUESTION)
    assert with_files.readers.language.pipeline_parses <= 2 and "Hale" in answer.text
    damaged = files["log.txt"]
    damaged.write_bytes(damaged.read_bytes()[:40])
    without = create_assistant(settings, dataclasses.replace(readers, language=Language()))
    assert without.ask(QUESTION).text == answer.text
    assert without.readers.language.pipeline_parses > 2  # the damaged file's passages were parsed

    # A changed document: its old version's file goes, the new one is parsed.
    with (settings.index.corpus_dir / "log.txt").open("a", encoding="utf-8") as out:
        out.write("The lamp room was repainted in April.\n")
    _ingest(settings, embedder, language)
    changed = _files(settings)
    assert changed["log.txt"] != files["log.txt"] and changed["survey.txt"] == files["survey.txt"]
    assert sorted(p.name for p in settings.index.parse_files.iterdir()) == sorted(
        p.name for p in changed.values()
    )

    # A damaged file of an unchanged document is parsed again by the next ingest.
    survey = changed["survey.txt"]
    survey.write_bytes(survey.read_bytes()[:-3])
    _ingest(settings, embedder, language)
    rows = [p for p in library.passages if p.passage.document_id == "survey.txt"]
    assert rows and all(read_parse(survey, p.position, p.passage.text) is not None for p in rows)
