"""Present eval results: a terminal table, and Markdown + HTML reports with a bar chart.

Does not run questions; see `runner`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from evals.formatting import fmt
from evals.runner import RunResult

if TYPE_CHECKING:
    from evals.compare import Changes

PERCENT_METRICS = (
    "answer_accuracy",
    "refusal_accuracy",
    "false_refusals",
    "citation_validity",
    "citation_support",
    "source_precision",
    "retrieval_recall_at_1",
    "retrieval_recall_at_3",
    "retrieval_recall_at_5",
    "mrr",
)


def metrics_table(results: list[RunResult], targets: dict[str, dict[str, float]]) -> list[list[str]]:
    """Rows of metric, target and one column per retrieval mode."""
    rows = [["metric", "target", *[r.mode for r in results]]]
    for name in results[0].metrics:
        target = ""
        if name in targets.get("min", {}):
            target = f">= {targets['min'][name]}"
        elif name in targets.get("max", {}):
            target = f"<= {targets['max'][name]}"
        rows.append([name, target, *[fmt(r.metrics[name]) for r in results]])
    return rows


def failing_rows(result: RunResult) -> list[list[str]]:
    rows = [["id", "question", "expected", "problem", "answer"]]
    for o in result.outcomes:
        if o.problems:
            expected = " | ".join(o.item.answers) or "(not in the reports)"
            rows.append([o.item.id, o.item.question, expected, "; ".join(o.problems), o.answer["answer"]])
    return rows


def text_table(rows: list[list[str]], width: int = 60) -> str:
    clipped = [[cell if len(cell) <= width else cell[: width - 1] + "…" for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in clipped) for i in range(len(clipped[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in clipped
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_reports(
    results: list[RunResult],
    targets: dict[str, dict[str, float]],
    failures: list[str],
    folder: Path,
    changes: Changes | None = None,
) -> list[Path]:
    """Write report.md, report.html and metrics.png into `folder`; return their paths. With
    `changes`, both reports open with what got better or worse since the earlier run."""
    folder.mkdir(parents=True, exist_ok=True)
    chart = folder / "metrics.png"
    _bar_chart(results, chart)
    table = metrics_table(results, targets)
    failing = failing_rows(results[0])
    verdict = "passed" if not failures else "FAILED: " + "; ".join(failures)
    markdown = [
        "# Evaluation report",
        "",
        f"Gate: {verdict}",
        "",
        *(["## Changes since the last run", "", _changes_markdown(changes), ""] if changes else []),
        "![metrics](metrics.png)",
        "",
        _markdown_table(table),
        "",
        f"## Failing questions ({len(failing) - 1})",
        "",
        _markdown_table(failing),
    ]
    (folder / "report.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")
    page = [
        "<!doctype html><meta charset='utf-8'><title>Evaluation report</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}td,th{border:1px solid #ccc;"
        "padding:.3em;vertical-align:top}table{border-collapse:collapse}</style>",
        "<h1>Evaluation report</h1>",
        f"<p>Gate: {html.escape(verdict)}</p>",
        *(["<h2>Changes since the last run</h2>", _changes_html(changes)] if changes else []),
        "<img src='metrics.png' alt='metrics chart'>",
        _html_table(table),
        f"<h2>Failing questions ({len(failing) - 1})</h2>",
        _html_table(failing),
    ]
    (folder / "report.html").write_text("\n".join(page), encoding="utf-8")
    return [folder / "report.md", folder / "report.html", chart]


def _bar_chart(results: list[RunResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m for m in PERCENT_METRICS if m in results[0].metrics]
    figure, axes = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(results)
    for i, result in enumerate(results):
        positions = [x + i * width for x in range(len(names))]
        axes.bar(positions, [result.metrics[n] for n in names], width, label=result.mode)
    axes.set_xticks([x + width * (len(results) - 1) / 2 for x in range(len(names))])
    axes.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.legend()
    axes.set_title("Evaluation metrics by retrieval mode")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _markdown_table(rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return "\n".join([line(rows[0]), line(["---"] * len(rows[0])), *(line(r) for r in rows[1:])])


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def changes_text(changes: Changes) -> str:
    """The changes for the terminal, or a line saying there are none."""
    rows = changes.rows()
    text = text_table(rows, width=70) if len(rows) > 1 else "no metric moved and no question flipped"
    if changes.unmatched:
        text += f"\n({changes.unmatched} questions are in only one of the two runs: the set changed)"
    return text


def _changes_markdown(changes: Changes) -> str:
    rows = changes.rows()
    return _markdown_table(rows) if len(rows) > 1 else "No metric moved and no question flipped."


def _changes_html(changes: Changes) -> str:
    rows = changes.rows()
    return _html_table(rows) if len(rows) > 1 else "<p>No metric moved and no question flipped.</p>"
