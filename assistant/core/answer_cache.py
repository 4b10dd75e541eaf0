"""A small thread-safe LRU of answers, so a question many councillors ask is worked out once.

It lives in the assistant's snapshot: a re-ingest that changes the index builds a new snapshot
with an empty cache, so a cached answer never outlives the passages it cites.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable

from assistant.core.answers import Answer


class AnswerCache:
    """Least-recently-used answers by key; `size` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            self._answers.move_to_end(key)
        return _copy(answer)

    def put(self, key: Hashable, answer: Answer) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._answers[key] = _copy(answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)


def _copy(answer: Answer) -> Answer:
    """Callers may edit the lists of what they get; the cached answer must not change with them."""
    return dataclasses.replace(answer, citations=list(answer.citations), passages=list(answer.passages))
