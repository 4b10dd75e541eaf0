"""Shared fixtures: the real model, a real ChromaDB in temporary folders, never the repo's index/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.core.answers import Answer
from assistant.core.readers import Readers, load_readers
from assistant.core.service import Assistant, create_assistant
from assistant.core.settings import Settings
from assistant.core.settings.answering import AnsweringSettings
from assistant.core.settings.paths import PROJECT_ROOT
from ingest.embedder import Embedder, load_embedder
from ingest.pipeline import IngestSummary, ingest_corpus
from ingest.store import open_client
from tests.model_server import Server, model_server

CORPUS = PROJECT_ROOT / "corpus"


# Fixtures that serve the chat on a local port (each module defines its own, by these names).
SERVER_FIXTURES = {"app_url", "protected_url", "url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by the fixtures they use, wherever they are written: the model server is another
    process, Chromium makes a browser test, a served chat a server test. `make test-fast` leaves
    all three out."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "llm_server" in names:
            item.add_marker(pytest.mark.subprocess)
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if names & SERVER_FIXTURES:
            item.add_marker(pytest.mark.server)


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """`assistant ARGS` run in this process by click's CliRunner, stdout and stderr kept apart.

    Where a separate process is not the point, this saves the seconds each new Python process
    spends importing the stack. An exception the command does not turn into a message and an exit
    status is raised here (and fails the test), as a traceback would end a real process.
    """
    from assistant.cli import cli

    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


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


def folder_settings(root: Path, files: dict[str, str] | None = None) -> Settings:
    """Settings whose corpus, index and data folders are under `root`; `files` (name: text) are
    written to the corpus folder when given."""
    settings = Settings(
        index={"corpus_dir": root / "corpus", "index_dir": root / "index", "data_dir": root / "data"}
    )
    if files is not None:
        settings.index.corpus_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (settings.index.corpus_dir / name).write_text(text, encoding="utf-8")
    return settings


def ingest_folder(corpus: Path, index: Path, embedder: Embedder) -> IngestSummary:
    return ingest_corpus(
        corpus, open_client(index), lambda: embedder, max_file_bytes=20_000_000, progress=False
    )


def assert_rests_on_the_same_passage(answer: Answer, bundled: Answer, question: str) -> None:
    """`answer` (from a collection with an extra document) answers `question` as `bundled` does:
    answered or refused alike, the same passage cited first, any short answer taken from it.

    An extra document changes how rare each word is, which may move the confidence a little
    either side of where a short answer is shown; it may not change what the answer rests on."""
    assert answer.answered == bundled.answered, question
    assert [c.quote for c in answer.citations[:1]] == [c.quote for c in bundled.citations[:1]], question
    assert not answer.short_answer or answer.short_answer in answer.citations[0].quote, question


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings over a copy of the bundled corpus, ingested once for the session."""
    root = tmp_path_factory.mktemp("bundled")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    ingest_folder(corpus, root / "index", embedder)
    return Settings(index={"corpus_dir": corpus, "index_dir": root / "index", "data_dir": root / "data"})


@pytest.fixture(scope="session")
def readers(corpus_settings: Settings) -> Readers:
    """The encoder, English pipeline and fitted answer model, loaded once for the session."""
    return load_readers(corpus_settings)


@pytest.fixture(scope="session")
def assistant(corpus_settings: Settings, readers: Readers) -> Assistant:
    return create_assistant(corpus_settings, readers)


@pytest.fixture(scope="session")
def collection_assistant(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, readers: Readers, assistant: Assistant
) -> Callable[[str], Assistant]:
    """The assistant of an evaluation collection by name: the bundled one for "powys", any other
    (another field) ingested into its own index the first time it is asked for."""
    from assistant.core.parse_files import keep_parses
    from evals.collections import collections

    made: dict[str, Assistant] = {"powys": assistant}

    def of(name: str) -> Assistant:
        if name not in made:
            [collection] = [c for c in collections() if c.name == name]
            index = tmp_path_factory.mktemp(name) / "index"
            ingest_folder(collection.corpus, index, embedder)
            settings = Settings(
                answering=AnsweringSettings(called=collection.called),
                index={"corpus_dir": collection.corpus, "index_dir": index},
            )
            # As `assistant ingest` does: every passage parsed once, not each candidate as it is met.
            keep_parses(settings.index.parse_files, open_client(index), lambda: readers.language)
            made[name] = create_assistant(settings, readers)
        return made[name]

    return of


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real model server for the session's generative tests (see `tests/model_server.py`)."""
    with model_server(tmp_path_factory.mktemp("llm") / "server.log") as server:
        yield server


@pytest.fixture
def ingested_copy(tmp_path: Path, corpus_settings: Settings) -> tuple[Path, Path]:
    """Private copies of the bundled corpus and of the session's index of it, for a test that edits
    and re-ingests them: copying an index folder is cheaper than ingesting the corpus again."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(corpus_settings.index.index_dir, index)
    return corpus, index


@pytest.fixture
def small_corpus(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the corpus a test may edit."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    yield corpus
