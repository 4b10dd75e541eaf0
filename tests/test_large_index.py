"""An index past 32,767 passages keeps working: ingest, re-ingest, sweep, load and answer.

SQLite binds at most 32,766 variables in one statement, and an unpaged read of every passage's
metadata needs one per passage; these tests would fail on any such read of the store.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.core.readers import Readers
from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from ingest.embedder import Embedder
from ingest.store import open_client, passages_collection
from tests.conftest import ingest_folder

FILES = 42
SENTENCES_PER_FILE = 1_000  # 42,000 passages in all, 41,000 once a file is deleted: past 40,000 and 32,767


def _write_corpus(corpus: Path) -> None:
    corpus.mkdir()
    for f in range(FILES):
        # Short lines (seven tokens each): embedding them is most of this test's time, and what it
        # checks is the number of passages, not their length.
        lines = [f"approved grant {f * SENTENCES_PER_FILE + i}." for i in range(SENTENCES_PER_FILE)]
        (corpus / f"ledger_{f:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_an_index_of_42000_passages_ingests_reingests_loads_and_answers(
    tmp_path: Path, embedder: Embedder, readers: Readers
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    _write_corpus(corpus)

    first = ingest_folder(corpus, index, embedder)
    assert first.passages == FILES * SENTENCES_PER_FILE > 32_767
    assert len(first.embedded_files) == FILES

    again = ingest_folder(corpus, index, embedder)
    assert again.unchanged_files == FILES and again.embedded_files == []

    edited = corpus / "ledger_07.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("approved grant 7350.", "refused grant 7350."),
        encoding="utf-8",
    )
    last = f"ledger_{FILES - 1:02d}.txt"
    (corpus / last).unlink()
    changed = ingest_folder(corpus, index, embedder)
    assert changed.embedded_files == ["ledger_07.txt"]
    assert changed.removed_files == [last]
    assert changed.passages == (FILES - 1) * SENTENCES_PER_FILE > 32_767
    assert passages_collection(open_client(index)).count() == changed.passages

    assistant = create_assistant(
        Settings(index={"corpus_dir": corpus, "index_dir": index, "data_dir": tmp_path / "data"}), readers
    )
    library = assistant.library
    assert library.complete and len(library.passages) == changed.passages
    assert library.vectors.shape == (changed.passages, 384)
    answer = assistant.ask("Which grant was refused?")
    assert answer.citations and answer.citations[0].source == "ledger_07.txt"
    assert "refused grant 7350" in answer.citations[0].quote

    # Dense search is exact at this size too: no passage scoring better than the last one kept is
    # left out (an approximate graph over 41,000 near-identical lines drops some).
    for query in ("approved grant 12345.", "Which grant was refused?", "grant four hundred"):
        vector = assistant.embedder.embed_query(query)
        hits = [h for h in assistant.retriever.retrieve(query, vector, mode="dense") if h.dense_rank]
        scores = np.sort(assistant.library.vectors @ vector)[::-1]
        kept = assistant.settings.retrieval.candidates
        assert len(hits) == kept
        assert min(h.dense_similarity for h in hits) >= scores[kept - 1] - 1e-6
        assert [h.dense_rank for h in sorted(hits, key=lambda h: -h.dense_similarity)] == list(
            range(1, kept + 1)
        )
