"""Progress lines for long files, so a run that takes minutes says what it is doing.

A file that finishes a stage (reading, splitting, embedding) within `interval` seconds prints
nothing; one that takes longer prints a line such as "reading report.pdf: 5,000 of 20,000 pages"
every `interval` seconds. Lines go to a sink the caller chooses (the CLI: standard error, so
`--json` keeps standard output for the summary); the sink escapes what it prints.

Does not draw bars: the embedding bar of an interactive run is the pipeline's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# The default of `Settings.progress_interval_s`.
DEFAULT_PROGRESS_INTERVAL_S = 5.0


class FileProgress:
    """Throttled progress lines; `step(stage, name, done, total, unit)` as work goes on.

    A step with `done` 0 starts a stage and is never printed. With `interval` 0 every other step
    is printed (for tests and for people who want every step).
    """

    def __init__(self, sink: Callable[[str], None] | None, interval: float) -> None:
        self._sink = sink
        self._interval = interval
        self._stage: tuple[str, str] | None = None
        self._last = 0.0

    def step(self, stage: str, name: str, done: int, total: int, unit: str) -> None:
        if self._sink is None:
            return
        now = time.monotonic()
        if done == 0 or self._stage != (stage, name):
            self._stage, self._last = (stage, name), now
            if done == 0:
                return
        if now - self._last < self._interval:
            return
        self._last = now
        self._sink(f"{stage} {name}: {done:,} of {total:,} {unit}")
