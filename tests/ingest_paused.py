"""Run the ingest as `assistant ingest --quiet` does, but pause it at a chosen stage to be killed there.

    python -m tests.ingest_paused --pause-at write:2 --corpus CORPUS [--index INDEX]

(from the project root). `--pause-at STAGE[:N]` (embed, write or clean; the N-th time, default
the 1st; see `ingest.pipeline.StageHook`) makes the run print "PAUSED AT STAGE NAME" to standard
error and sleep, for the crash tests to SIGKILL it at a known point. Settings come from the
environment and the options, as the command's do; the ingest is the same `ingest_with_settings` call.

Test-only: the product's command has no pause. Does not kill anything itself.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.cli_common import open_index, settings_from
from assistant.core.ingesting import ingest_with_settings
from assistant.core.readers import settings_embedder
from ingest.pipeline import StageHook

PAUSE_SECONDS = 3600


def pause_hook(pause_at: str) -> StageHook:
    """A stage hook that pauses the N-th time the ingest reaches STAGE (`pause_at` is STAGE[:N]).

    Example: "write:2" lets the first document's passages be written, then pauses once the second
    document's passages are written and before its record is.
    """
    stage, _, nth = pause_at.partition(":")
    seen = {"count": 0}

    def pause(at: str, name: str) -> None:
        if at != stage:
            return
        seen["count"] += 1
        if seen["count"] == int(nth or 1):
            print(f"PAUSED AT {at} {name}", file=sys.stderr, flush=True)
            time.sleep(PAUSE_SECONDS)

    return pause


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ingest_paused", description=__doc__)
    parser.add_argument("--pause-at", required=True, help="STAGE[:N]: embed, write or clean, N-th time")
    parser.add_argument("--corpus", type=Path, help="Folder of documents.")
    parser.add_argument("--index", type=Path, help="Index folder.")
    options = parser.parse_args(argv)

    settings = settings_from(corpus_dir=options.corpus, index_dir=options.index)
    summary = ingest_with_settings(
        settings,
        open_index(settings),
        lambda: settings_embedder(settings),
        stage_hook=pause_hook(options.pause_at),
    )
    print(f"Ingested {summary.line()} without reaching {options.pause_at}", file=sys.stderr)
    return 3 if summary.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
