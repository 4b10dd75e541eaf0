"""Reader feedback on answers (helpful / wrong answer / wrong citation), kept in SQLite.

One row per click, with the question, the answer text and its citations as JSON, so an
answer can be judged later without re-running it. Stored in `settings.index.data_dir/feedback.sqlite3`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import IO

from assistant.core.answers import Answer

KINDS = ("helpful", "wrong answer", "wrong citation")
COLUMNS = ("id", "created", "kind", "comment", "question", "query", "answer", "answered", "citations")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    kind TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered INTEGER NOT NULL,
    citations TEXT NOT NULL
)
"""


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / "feedback.sqlite3"


def _connect(data_dir: Path) -> sqlite3.Connection:
    path = database_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=10)
    connection.execute(_SCHEMA)
    return connection


def record(data_dir: Path, answer: Answer, kind: str, comment: str = "") -> int:
    """Store one piece of feedback on `answer`; returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown feedback kind {kind!r}; expected one of {', '.join(KINDS)}")
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    citations = json.dumps([asdict(c) for c in answer.citations], ensure_ascii=False)
    with _connect(data_dir) as connection:
        cursor = connection.execute(
            "INSERT INTO feedback (created, kind, comment, question, query, answer, answered, citations)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                created,
                kind,
                comment.strip()[:2000],
                answer.question,
                answer.query,
                answer.text,
                int(answer.answered),
                citations,
            ),
        )
        return int(cursor.lastrowid or 0)


def rows(data_dir: Path) -> list[tuple[str, ...]]:
    if not database_path(data_dir).exists():
        return []
    with _connect(data_dir) as connection:
        return connection.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: object) -> object:
    """`value` as a spreadsheet shows it, never runs it: text starting like a formula gets a
    leading apostrophe (the OWASP advice). Example: "=1+2" -> "'=1+2"; 7 and "a-b" unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(data_dir: Path, out: IO[str]) -> int:
    """Write every feedback row as CSV (with a header); returns the number of rows.

    Questions, comments and answers are what readers typed or what documents say, so cells that
    a spreadsheet would run as formulas are written as text (`as_text_cell`)."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    found = rows(data_dir)
    writer.writerows([as_text_cell(value) for value in row] for row in found)
    return len(found)
