"""Shared fixtures: the real model, a real ChromaDB in temporary folders, never the repo's index/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import Assistant, Readers, create_assistant, load_readers
from assistant.settings import PROJECT_ROOT, AnsweringSettings, Settings
from ingest.embedder import Embedder, load_embedder
from ingest.pipeline import IngestSummary, ingest_corpus
from ingest.store import open_client

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's ASSISTANT_* settings or writes the repo's index/."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder()


def ingest_folder(corpus: Path, index: Path, embedder: Embedder) -> IngestSummary:
    return ingest_corpus(
        corpus, open_client(index), lambda: embedder, max_file_bytes=20_000_000, progress=False
    )


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings over a copy of the bundled corpus, ingested once for the session."""
    root = tmp_path_factory.mktemp("bundled")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    ingest_folder(corpus, root / "index", embedder)
    return Settings(corpus_dir=corpus, index_dir=root / "index", data_dir=root / "data")


@pytest.fixture(scope="session")
def readers(corpus_settings: Settings) -> Readers:
    """The encoder, English pipeline and fitted answer model, loaded once for the session."""
    return load_readers(corpus_settings)


@pytest.fixture(scope="session")
def assistant(corpus_settings: Settings, readers: Readers) -> Assistant:
    return create_assistant(corpus_settings, readers)


@pytest.fixture(scope="session")
def pydocs_assistant(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, readers: Readers
) -> Assistant:
    """The second collection (another field), ingested once for the session."""
    from evals.collections import collections

    [pydocs] = [c for c in collections() if c.name == "pydocs"]
    index = tmp_path_factory.mktemp("pydocs") / "index"
    ingest_folder(pydocs.corpus, index, embedder)
    settings = Settings(
        corpus_dir=pydocs.corpus, index_dir=index, answering=AnsweringSettings(called=pydocs.called)
    )
    return create_assistant(settings, readers)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the corpus a test may edit."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    yield corpus
