"""The chat's library is built from the document records: each record describes its passages, so
only ids and vectors are read from the passage store; an index written before that still loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core import library as library_module
from assistant.core.library import Library
from ingest import store as ingest_store
from ingest.embedder import Embedder
from ingest.store import documents_collection, open_client, read_all
from tests.conftest import ingest_folder

NOTES = """<html><head><title>Harbour survey</title></head><body><main>
<h1>Harbour survey</h1>
<h2>Lamps</h2>
<p>The harbour board found that the north lamp had failed twice in the winter. The keepers
replaced its wick in March and tested it every night for a fortnight.</p>
<h2>Moorings</h2>
<p>Eleven moorings were inspected by the board. Two were found loose and were tightened the
same week by the harbour staff.</p>
</main></body></html>
"""


def _snapshot(library: Library) -> list[tuple[str, Any, int]]:
    return [(p.id, p.passage, p.position) for p in library.passages]


def test_passages_come_from_the_document_records_and_old_records_still_load(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "survey.html").write_text(NOTES, encoding="utf-8")
    (corpus / "log.txt").write_text("The ferry ran late on Monday. It ran on time all week after.\n")
    (corpus / "empty.txt").write_text("\n", encoding="utf-8")
    ingest_folder(corpus, index, embedder)

    reads: list[tuple[str, tuple[str, ...]]] = []
    real_read_all = ingest_store.read_all

    def spy(collection: Any, include: Any = ("metadatas",), **kwargs: Any) -> Any:
        reads.append((collection.name, tuple(include)))
        return real_read_all(collection, include, **kwargs)

    monkeypatch.setattr(library_module, "read_all", spy)
    described = Library.from_index(open_client(index))
    assert not any(name == "passages" for name, _ in reads)  # the vectors are read by id, nothing else
    assert described.complete and len(described.passages) > 4
    sections = {p.passage.section for p in described.passages}
    assert any("Lamps" in s for s in sections) and any("Moorings" in s for s in sections)
    for p in described.passages:
        text = described.documents[p.passage.document_id].text
        assert text[p.passage.start : p.passage.end] == p.passage.text

    # The same index with records written the old way (no passage spans) gives the same library.
    store = documents_collection(open_client(index))
    records = read_all(store, ("documents", "metadatas"))
    store.delete(ids=records.ids)
    store.add(
        ids=records.ids,
        embeddings=np.ones((len(records.ids), 1), dtype=np.float32),
        metadatas=[{k: v for k, v in m.items() if k != "passage_spans"} for m in records.metadatas],
        documents=records.documents,
    )
    reads.clear()
    stored = Library.from_index(open_client(index))
    assert ("passages", ("documents", "metadatas", "embeddings")) in reads
    assert stored.complete
    assert sorted(_snapshot(stored)) == sorted(_snapshot(described))
    order = [stored.row_of[p.id] for p in described.passages]
    assert np.array_equal(stored.vectors[order], described.vectors)
