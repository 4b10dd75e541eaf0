"""Vector files: the ingest keeps each document version's vectors as a file named in its record; the
chat loads them from there, never trusts a file whose contents differ from what the record names,
rebuilds what is missing from the store, and the files of replaced versions go."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.core.library import Library
from ingest.embedder import Embedder
from ingest.pipeline import ingest_corpus
from ingest.store import documents_collection, open_client, passages_collection, read_all

HARBOUR = "The harbour board found that the north lamp had failed twice in the winter.\n\n" * 3
FERRY = "The ferry ran late on Monday. It ran on time all week after.\n\nThe pier was painted in May.\n"


def _ingest(corpus: Path, index: Path, vectors: Path, embedder: Embedder) -> None:
    ingest_corpus(
        corpus,
        open_client(index),
        lambda: embedder,
        max_file_bytes=10**7,
        progress=False,
        vectors_dir=vectors,
    )


def _digests(index: Path) -> dict[str, str]:
    records = read_all(documents_collection(open_client(index)), ("metadatas",))
    return {i: str(m["vectors_digest"]) for i, m in zip(records.ids, records.metadatas, strict=True)}


@pytest.fixture
def indexed(tmp_path: Path, embedder: Embedder) -> tuple[Path, Path, Path]:
    corpus, index, vectors = tmp_path / "corpus", tmp_path / "index", tmp_path / "vectors"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    _ingest(corpus, index, vectors, embedder)
    return corpus, index, vectors


def _rows(library: Library) -> dict[str, np.ndarray]:
    return {p.id: library.vectors[row] for row, p in enumerate(library.passages)}


def test_the_chat_loads_vectors_from_the_files_the_records_name(indexed: tuple[Path, Path, Path]) -> None:
    _, index, vectors = indexed
    digests = _digests(index)
    assert sorted(p.name for p in vectors.iterdir()) == sorted(f"{d}.npy" for d in digests.values())
    through_store = Library.from_index(open_client(index))
    # With the passages gone from the store, only the files can give the vectors.
    store = passages_collection(open_client(index))
    store.delete(ids=read_all(store, ()).ids)
    from_files = Library.from_index(open_client(index), vectors_dir=vectors)
    assert from_files.complete and len(from_files.passages) == len(through_store.passages)
    expected = _rows(through_store)
    for pid, vector in _rows(from_files).items():
        assert np.array_equal(vector, expected[pid])


def test_a_damaged_file_is_never_used_and_is_written_again_from_the_store(
    indexed: tuple[Path, Path, Path],
) -> None:
    _, index, vectors = indexed
    expected = _rows(Library.from_index(open_client(index)))
    damaged = vectors / f"{_digests(index)['harbour.txt']}.npy"
    original = np.load(damaged)
    data = original.copy()
    data[0, 0] += 0.5  # same shape and type, other contents
    np.save(damaged, data)
    library = Library.from_index(open_client(index), vectors_dir=vectors)
    for pid, vector in _rows(library).items():
        assert np.array_equal(vector, expected[pid])
    # A missing file is written again from the store; a truncated one is not used either.
    damaged.unlink()
    Library.from_index(open_client(index), vectors_dir=vectors)
    assert np.array_equal(np.load(damaged), original)
    damaged.write_bytes(damaged.read_bytes()[:100])
    library = Library.from_index(open_client(index), vectors_dir=vectors)
    assert library.complete
    for pid, vector in _rows(library).items():
        assert np.array_equal(vector, expected[pid])


def test_a_replaced_version_loses_its_file_and_an_older_record_gains_one(
    indexed: tuple[Path, Path, Path], embedder: Embedder
) -> None:
    corpus, index, vectors = indexed
    before = _digests(index)
    (corpus / "ferry.txt").write_text(FERRY + "\nThe ticket office closed at noon.\n", encoding="utf-8")
    _ingest(corpus, index, vectors, embedder)
    after = _digests(index)
    assert after["harbour.txt"] == before["harbour.txt"] and after["ferry.txt"] != before["ferry.txt"]
    assert sorted(p.name for p in vectors.iterdir()) == sorted(f"{d}.npy" for d in after.values())

    # A record written before vectors were named: the next ingest names them, without embedding.
    store = documents_collection(open_client(index))
    records = read_all(store, ("metadatas",))
    store.update(
        ids=records.ids,
        metadatas=[{**m, "vectors_digest": ""} for m in records.metadatas],
    )
    for path in vectors.iterdir():
        path.unlink()
    summary = ingest_corpus(
        corpus,
        open_client(index),
        lambda: pytest.fail("nothing needs embedding"),
        max_file_bytes=10**7,
        progress=False,
        vectors_dir=vectors,
    )
    assert summary.embedded_passages == 0
    assert _digests(index) == after
    assert sorted(p.name for p in vectors.iterdir()) == sorted(f"{d}.npy" for d in after.values())
