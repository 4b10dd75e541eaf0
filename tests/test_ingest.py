"""Ingestion into a real ChromaDB: idempotent, incremental, and exact about spans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core.library import Library
from assistant.core.settings import Settings
from ingest import loaders, preparing, writing
from ingest import store as ingest_store
from ingest.embedder import Embedder
from ingest.store import documents_collection, open_client, passages_collection, read_all
from tests.conftest import CORPUS, ingest_folder


def _passage_ids(index: Path) -> set[str]:
    return set(passages_collection(open_client(index)).get(include=[])["ids"])


# The session's index is a fresh ingest of the bundled corpus (conftest.py): tests that only read
# what an ingest wrote read it; tests that change the corpus work on a copy of it.


def test_every_passage_is_an_exact_slice_of_its_document(corpus_settings: Settings) -> None:
    records = passages_collection(open_client(corpus_settings.index.index_dir)).get(
        include=["documents", "metadatas"]
    )
    assert len(records["ids"]) > 50
    assert records["documents"] is not None and records["metadatas"] is not None
    for text, meta in zip(records["documents"], records["metadatas"], strict=True):
        source = (CORPUS / str(meta["document_id"])).read_text(encoding="utf-8")
        start, end = meta["start"], meta["end"]
        assert isinstance(start, int) and isinstance(end, int)
        assert source[start:end] == text


def test_page_furniture_is_kept_out_of_passages(corpus_settings: Settings) -> None:
    texts = passages_collection(open_client(corpus_settings.index.index_dir)).get(include=["documents"])[
        "documents"
    ]
    assert texts is not None
    joined = "\n".join(texts)
    for furniture in ("Share this page", "Print icon", "Facebook icon", "mywelshpool logo", "Getty Images"):
        assert furniture not in joined
    assert any(t.startswith("The recommendations of an inspection") for t in texts)  # "CSSIW logo" trimmed


def test_ingesting_twice_changes_nothing(small_corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    first = ingest_folder(small_corpus, tmp_path / "index", embedder)
    ids = _passage_ids(tmp_path / "index")
    second = ingest_folder(small_corpus, tmp_path / "index", embedder)
    assert first.files == second.files == 5
    assert second.embedded_files == [] and second.unchanged_files == 5
    assert second.passages == first.passages == len(ids)
    assert _passage_ids(tmp_path / "index") == ids


def test_editing_one_file_re_embeds_only_that_file(
    ingested_copy: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = ingested_copy
    before = _passage_ids(index)
    edited = corpus / "003_ca2cbad75c2c214d.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n\nThe council met again in March to review progress.\n",
        encoding="utf-8",
    )
    summary = ingest_folder(corpus, index, embedder)
    assert summary.embedded_files == ["003_ca2cbad75c2c214d.txt"]
    assert summary.unchanged_files == 4
    after = _passage_ids(index)
    assert len(after - before) == 1  # only the appended sentence is new
    assert before - after == set()


def test_deleting_a_file_removes_its_passages(ingested_copy: tuple[Path, Path], embedder: Embedder) -> None:
    corpus, index = ingested_copy
    (corpus / "004_2cd78eb0f3ad020f.txt").unlink()
    summary = ingest_folder(corpus, index, embedder)
    assert summary.removed_files == ["004_2cd78eb0f3ad020f.txt"]
    metadatas = passages_collection(open_client(index)).get(include=["metadatas"])["metadatas"]
    assert metadatas is not None
    sources = {meta["document_id"] for meta in metadatas}
    assert sources == {p.name for p in CORPUS.glob("*.txt")} - {"004_2cd78eb0f3ad020f.txt"}


def test_a_new_file_without_manifest_entry_gets_derived_metadata(
    ingested_copy: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = ingested_copy
    (corpus / "extra.md").write_text(
        "# Fostering update\n\nPublished 3 March 2024.\n\n"
        "Powys recruited twelve new foster carers this year.\n",
        encoding="utf-8",
    )
    summary = ingest_folder(corpus, index, embedder)
    assert summary.embedded_files == ["extra.md"]
    from assistant.core.library import Library

    library = Library.from_index(open_client(index))
    meta = library.documents["extra.md"].meta
    assert meta.title == "Fostering update"
    assert meta.date == "2024-03-03"
    assert meta.publisher == ""


def test_unreadable_and_unsupported_files_are_reported_not_fatal(
    ingested_copy: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = ingested_copy
    (corpus / "notes.xyz").write_text("hello", encoding="utf-8")
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "noise.txt").write_bytes(bytes(range(256)) * 10)
    summary = ingest_folder(corpus, index, embedder)
    reasons = {s.name: s.reason for s in summary.skipped}
    assert "unsupported" in reasons["notes.xyz"]
    assert "no text" in reasons["empty.txt"]
    assert "binary" in reasons["noise.txt"]
    assert summary.files == 5


def test_files_embedded_together_get_their_own_vectors(
    small_corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """Several files share one encoder call; each passage must still get the vector of its own text."""
    import numpy as np

    from ingest.pipeline import ingest_corpus

    def vectors(group_size: int) -> dict[str, np.ndarray]:
        index = tmp_path / f"index-{group_size}"
        ingest_corpus(
            small_corpus,
            open_client(index),
            lambda: embedder,
            max_file_bytes=10**7,
            progress=False,
            embed_group_size=group_size,
        )
        records = passages_collection(open_client(index)).get(include=["embeddings"])
        return dict(zip(records["ids"], np.asarray(records["embeddings"]), strict=True))

    one_by_one, together = vectors(1), vectors(10_000)
    assert one_by_one.keys() == together.keys() and len(together) > 50
    stored = passages_collection(open_client(tmp_path / "index-1")).get(include=["documents"])
    assert stored["documents"] is not None
    texts = dict(zip(stored["ids"], stored["documents"], strict=True))
    sample = sorted(together)[:20]
    direct = embedder.embed([texts[i] for i in sample])
    for row, passage_id in enumerate(sample):
        assert float(one_by_one[passage_id] @ together[passage_id]) > 0.98
        assert float(direct[row] @ together[passage_id]) > 0.98


def test_an_unchanged_file_is_not_read_again_and_older_records_are_brought_up_to_date(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(
        "The ferry ran late on Monday. It ran on time after.\n", encoding="utf-8"
    )
    (corpus / "lamps.txt").write_text(
        "The north lamp failed twice. Its wick was replaced.\n", encoding="utf-8"
    )
    ingest_folder(corpus, index, embedder)

    loaded: list[str] = []
    real_load = loaders.load_document

    def counting(path: Path, data: bytes, options: Any = None) -> Any:
        loaded.append(path.name)
        return real_load(path, data, options)

    reads: list[tuple[str, tuple[str, ...]]] = []
    real_read_all = ingest_store.read_all

    def spying(collection: Any, include: Any = ("metadatas",), **kwargs: Any) -> Any:
        reads.append((collection.name, tuple(include)))
        return real_read_all(collection, include, **kwargs)

    monkeypatch.setattr(preparing, "load_document", counting)
    monkeypatch.setattr(writing, "read_all", spying)
    again = ingest_folder(corpus, index, embedder)
    assert loaded == [] and again.unchanged_files == 2 and again.embedded_files == []
    assert ("passages", ("metadatas",)) not in reads  # every stored passage is listed: none read
    assert again.encodings == {"ferry.txt": "utf-8", "lamps.txt": "utf-8"}

    # A manifest entry is part of what the file's passages depend on: that file is read again.
    (corpus / "manifest.json").write_text(
        json.dumps({"documents": {"lamps.txt": {"title": "Lamp log"}}}), encoding="utf-8"
    )
    retitled = ingest_folder(corpus, index, embedder)
    assert loaded == ["lamps.txt"] and retitled.embedded_files == ["lamps.txt"]

    # Records written before they kept their source are read once more, rewritten, not re-embedded.
    store = documents_collection(open_client(index))
    records = read_all(store, ("documents", "metadatas"))
    store.delete(ids=records.ids)
    newer = {"source", "text_digest", "passage_spans"}
    store.add(
        ids=records.ids,
        embeddings=np.ones((len(records.ids), 1), dtype=np.float32),
        metadatas=[{k: v for k, v in m.items() if k not in newer} for m in records.metadatas],
        documents=records.documents,
    )
    loaded.clear()
    upgraded = ingest_folder(corpus, index, embedder)
    assert sorted(loaded) == ["ferry.txt", "lamps.txt"]
    assert upgraded.embedded_passages == 0 and upgraded.unchanged_files == 2
    assert all(newer <= m.keys() for m in read_all(store, ("metadatas",)).metadatas)
    loaded.clear()
    ingest_folder(corpus, index, embedder)
    assert loaded == []


def test_no_line_of_a_markdown_or_word_file_is_taken_for_page_chrome(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A one-word list item, or an item that mentions logging in, is what a Markdown or Word file
    says; the same lines in text scraped from a web page are its navigation."""
    import docx

    lines = [
        "The supported colours are:",
        "",
        "- red",
        "- blue",
        "- Users log in with their company account",
        "",
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "colours.md").write_text("\n".join(lines), encoding="utf-8")
    (corpus / "scraped.txt").write_text(
        "\n".join(line.removeprefix("- ") for line in lines), encoding="utf-8"
    )
    word = docx.Document()
    word.add_paragraph("The supported sizes are:")
    for line in ("small", "large", "Users sign in with their staff card"):
        word.add_paragraph(line, style="List Bullet")
    word.save(str(corpus / "sizes.docx"))
    ingest_folder(corpus, tmp_path / "index", embedder)
    library = Library.from_index(open_client(tmp_path / "index"))
    passages = {
        d: [p.passage.text for p in library.passages if p.passage.document_id == d] for d in library.documents
    }
    said = ["The supported colours are:", "red", "blue", "Users log in with their company account"]
    assert passages["colours.md"] == said
    assert passages["sizes.docx"] == [
        "The supported sizes are:",
        "small",
        "large",
        "Users sign in with their staff card",
    ]
    assert passages["scraped.txt"] == ["The supported colours are:"]
