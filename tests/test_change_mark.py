"""The change mark: every ingest that changes the document records sets a new one, and a chat
looks only at the mark before a question, reading the records only when it moved."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.library import Library
from assistant.core.readers import Readers
from assistant.core.service import create_assistant
from ingest.embedder import Embedder
from ingest.store import change_mark, open_client
from tests.conftest import folder_settings, ingest_folder

LOG = "The north lamp failed twice in January. Keeper Morwenna Hale replaced its wick in February.\n"
SURVEY = "The harbour survey was carried out by the port authority in May.\n"


def test_a_chat_reads_the_records_only_when_an_ingest_changed_them(
    tmp_path: Path, embedder: Embedder, readers: Readers, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = folder_settings(tmp_path, {"log.txt": LOG})
    corpus, index = settings.index.corpus_dir, settings.index.index_dir
    ingest_folder(corpus, index, embedder)
    first = change_mark(open_client(index))
    assert first is not None
    assistant = create_assistant(settings, readers)

    reads: list[int] = []
    real = Library.current_signature

    def counted(client: object) -> object:
        reads.append(1)
        return real(client)  # type: ignore[arg-type]

    monkeypatch.setattr(Library, "current_signature", staticmethod(counted))
    assert not assistant.refresh() and reads == []  # nothing changed: only the mark was read

    ingest_folder(corpus, index, embedder)  # nothing to do: the mark stays
    assert change_mark(open_client(index)) == first
    assert not assistant.refresh() and reads == []

    (corpus / "survey.txt").write_text(SURVEY, encoding="utf-8")
    ingest_folder(corpus, index, embedder)
    second = change_mark(open_client(index))
    assert second not in (None, first)
    assert assistant.refresh() and len(reads) == 1
    assert "port authority" in assistant.ask("Who carried out the harbour survey?").text

    (corpus / "survey.txt").unlink()
    ingest_folder(corpus, index, embedder)
    assert change_mark(open_client(index)) not in (None, first, second)
    assert assistant.refresh() and len(reads) == 2
    assert {p.passage.document_id for p in assistant.library.passages} == {"log.txt"}
    assert not assistant.refresh() and len(reads) == 2
