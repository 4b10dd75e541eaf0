"""The bench's shared-server run: a real `chroma run` over a copy of an index and two real
`assistant serve` processes on it, started at once with empty caches, then asked at once."""

from __future__ import annotations

import math

import pytest

from assistant.core.settings import Settings
from bench.shared_server import CHAT_PROCESSES, measure_shared_server
from ingest.store import documents_collection, open_client

pytestmark = pytest.mark.subprocess


def test_two_chat_processes_on_one_server_are_measured(corpus_settings: Settings) -> None:
    questions = ["Who carried out the 2025 report?", "When was the inspection?"]
    result = measure_shared_server(corpus_settings, questions, timeout_s=300)

    assert result["chat_processes"] == CHAT_PROCESSES == 2
    assert len(result["start_s"]) == len(result["chat_rss_mb"]) == len(result["restart_s"]) == 2
    for figure in (*result["start_s"], *result["restart_s"], *result["chat_rss_mb"], result["server_rss_mb"]):
        assert math.isfinite(figure) and figure > 0
    assert 0 < result["ask_p50_ms"] <= result["ask_p95_ms"]
    # The chats read every vector through the server and kept them as files for the next start.
    documents = documents_collection(open_client(corpus_settings.index.index_dir)).count()
    assert result["vector_files_written"] == documents > 0
