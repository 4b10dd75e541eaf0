"""The feedback export: cells a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assistant.core.answers import Answer
from assistant.web import feedback

FORMULAS = ['=HYPERLINK("http://example.org","x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


def test_formula_like_cells_are_exported_with_a_leading_quote(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for formula in FORMULAS:
        answer = Answer(question=formula, query=formula, text=formula, answered=False)
        feedback.record(data, answer, "wrong answer", formula)
    feedback.record(
        data, Answer("Who wrote it?", "Who wrote it?", "Steve Walker. [1]", True), "helpful", "a-ok"
    )

    out = io.StringIO()
    assert feedback.export_csv(data, out) == len(FORMULAS) + 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    for row in rows[: len(FORMULAS)]:
        for column in ("question", "query", "answer"):
            assert row[column].startswith("'") and row[column][1:] in FORMULAS, row[column]
    assert all(row["comment"].startswith("'") for row in rows[: len(FORMULAS) - 2])  # stripped: no tab/CR
    plain = rows[-1]
    assert plain["question"] == "Who wrote it?" and plain["answer"] == "Steve Walker. [1]"
    assert plain["comment"] == "a-ok" and plain["id"] == str(len(FORMULAS) + 1) and plain["answered"] == "1"
