"""The two encoders: the int8 ONNX export agrees with PyTorch, the index knows which made its
vectors, and a process that only answers questions never loads torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.core.settings import Settings
from assistant.core.settings.paths import PROJECT_ROOT
from ingest.embedder import Embedder, encoder_name, load_embedder
from ingest.pipeline import IngestSummary, ingest_corpus
from ingest.store import documents_collection, open_client
from tests.conftest import ingest_folder


@pytest.fixture(scope="module")
def reference() -> Embedder:
    return load_embedder(encoder="torch")


def _corpus_passages(settings: Settings) -> list[str]:
    from ingest.store import passages_collection

    texts = passages_collection(open_client(settings.index.index_dir)).get(include=["documents"])["documents"]
    assert texts is not None
    return list(texts)


def test_int8_vectors_agree_with_pytorch_on_the_corpus(
    corpus_settings: Settings, embedder: Embedder, reference: Embedder
) -> None:
    assert embedder.name == encoder_name("onnx-int8") != reference.name
    texts = _corpus_passages(corpus_settings)
    ours, theirs = embedder.embed(texts), reference.embed(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-3)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.95 and cosines.mean() >= 0.98, (cosines.min(), cosines.mean())
    # each passage's five nearest passages are mostly the same whichever encoder ranks them
    ours_top = np.argsort(-(ours @ ours.T), axis=1)[:, 1:6]
    theirs_top = np.argsort(-(theirs @ theirs.T), axis=1)[:, 1:6]
    overlap = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ours_top, theirs_top, strict=True)])
    assert overlap >= 0.85, overlap


def test_changing_encoder_reembeds_every_file_once(
    small_corpus: Path, tmp_path: Path, embedder: Embedder, reference: Embedder
) -> None:
    index = tmp_path / "index"
    first = ingest_folder(small_corpus, index, embedder)

    def with_torch() -> IngestSummary:
        return ingest_corpus(
            small_corpus,
            open_client(index),
            lambda: reference,
            max_file_bytes=20_000_000,
            progress=False,
            encoder=reference.name,
        )

    switched, again = with_torch(), with_torch()
    assert len(switched.embedded_files) == first.files == 5 and switched.unchanged_files == 0
    assert again.embedded_passages == 0 and again.unchanged_files == 5
    assert documents_collection(open_client(index)).count() == 5


def test_an_embedder_that_is_not_the_declared_encoder_is_refused(
    small_corpus: Path, tmp_path: Path, reference: Embedder
) -> None:
    with pytest.raises(ValueError, match="embedder is"):
        ingest_corpus(small_corpus, open_client(tmp_path / "index"), lambda: reference, max_file_bytes=10**7)


@pytest.mark.subprocess  # a fresh process: this one has imported torch for the reference encoder
def test_answering_with_the_int8_encoder_never_imports_torch(
    corpus_settings: Settings, embedder: Embedder
) -> None:
    """What keeps the chat's cold start short: torch and sentence-transformers take ~10 s to import."""
    script = (
        "import json, sys\n"
        "from assistant.core.service import create_assistant\n"
        "from assistant.core.settings import Settings\n"
        f"index = {{'index_dir': {str(corpus_settings.index.index_dir)!r}}}\n"
        "answer = create_assistant(Settings(index=index))"
        ".ask('Who carried out the 2025 report?')\n"
        "print(json.dumps({'text': answer.text, 'loaded': sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Steve Walker" in result["text"]
    assert result["loaded"] == []


def test_an_export_missing_a_file_is_made_again(tmp_path: Path, embedder: Embedder) -> None:
    """A cached export someone half-deleted is rebuilt, not loaded (and the rebuilt one agrees)."""
    from ingest.embedder import DEFAULT_CACHE_DIR, bundled_model_path, int8_export
    from ingest.onnx_export import MODEL_FILE

    made = int8_export(bundled_model_path(), DEFAULT_CACHE_DIR)  # the session embedder's export
    shutil.copytree(made.folder, tmp_path / made.folder.name)  # a cache holding it: one export, not two
    first = int8_export(bundled_model_path(), tmp_path)
    assert first.folder == tmp_path / made.folder.name
    assert first.model_file.is_file() and first.agreement >= 0.95
    first.model_file.unlink()
    again = int8_export(bundled_model_path(), tmp_path)
    assert again.folder == first.folder and (again.folder / MODEL_FILE).is_file()
    assert again.agreement >= 0.95
    assert [p.name for p in tmp_path.iterdir()] == [first.folder.name]  # no staging folder left
