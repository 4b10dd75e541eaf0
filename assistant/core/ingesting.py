"""The ingest pipeline run with the settings' limits and batching.

`ingest/` takes explicit arguments and never reads settings; this is the one place that maps the
settings onto them, so the CLI, the Documents tab, the evals and the crash tests ingest alike.
"""

from __future__ import annotations

from collections.abc import Callable

from chromadb.api import ClientAPI

from assistant.answering.language import Language
from assistant.core.parse_files import keep_parses
from assistant.core.settings import Settings
from ingest.embedder import Embedder, encoder_name
from ingest.pipeline import IngestSummary, StageHook, ingest_corpus


def ingest_with_settings(
    settings: Settings,
    client: ClientAPI,
    embedder: Callable[[], Embedder],
    *,
    progress: bool = False,
    progress_lines: Callable[[str], None] | None = None,
    progress_interval_s: float | None = None,
    stage_hook: StageHook | None = None,
    language: Callable[[], Language] | None = None,
) -> IngestSummary:
    """Bring the index `client` opens in line with the settings' corpus folder (see `ingest_corpus`),
    then parse the passages of each new document version for the chat (`parse_files`; `language`
    gives the English pipeline, loaded only if something needs parsing). `progress_interval_s`
    overrides the settings' interval (the Documents tab shows every step)."""
    limits = settings.ingest
    interval = limits.progress_interval_s if progress_interval_s is None else progress_interval_s
    summary = ingest_corpus(
        settings.index.corpus_dir,
        client,
        embedder,
        max_file_bytes=limits.max_file_bytes,
        write_batch_size=limits.write_batch_size,
        embed_group_size=limits.embed_group_size,
        progress=progress,
        stage_hook=stage_hook,
        encoder=encoder_name(settings.embedding.kind),
        max_inflated_bytes=limits.max_inflated_bytes,
        max_passages_per_file=limits.max_passages_per_file,
        progress_lines=progress_lines,
        progress_interval_s=interval,
        vectors_dir=settings.index.vector_files,
    )

    def load_language() -> Language:
        return language() if language is not None else Language(settings.answering.parse_cache_size)

    keep_parses(settings.index.parse_files, client, load_language, progress_lines)
    return summary
