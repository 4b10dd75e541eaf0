"""`assistant evals`, `fit` and `feedback`: the question sets, the answer model and what readers
said; the commands maintainers run, not councillors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assistant.cli_common import open_index, require_index, settings_from


@click.command()
@click.option(
    "--dataset",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Question set (JSON lines).",
)
@click.option("--json", "as_json", is_flag=True, help="Print metrics and per-question results as JSON.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write Markdown, HTML and a chart here.",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["hybrid", "bm25", "dense", "generative"]),
    help="Retrieval modes to run (default: all three); generative: the language model at "
    "ASSISTANT_LLM_BASE_URL writes each answer (hybrid retrieval), gated on shown_unsupported = 0.",
)
@click.option(
    "--no-gate",
    is_flag=True,
    help="Report only: do not fail when a metric leaves its bounds in evals/thresholds.json.",
)
@click.option(
    "--all",
    "every_set",
    is_flag=True,
    help="Every train and test set of every collection under evals/ (hybrid only), each collection "
    "ingested into its own index first. Test sets show metrics only, never their questions.",
)
@click.option("--split", type=click.Choice(["train", "test"]), help="With --all: only these sets.")
@click.option(
    "--compare",
    "previous_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An earlier run's --json output: show what got better or worse since. "
    "Default with --report DIR: DIR/results.json, the run before, kept there. With --all: how many "
    "questions of each collection's sets went each way, and whether chance explains it.",
)
def evals(
    dataset: Path | None,
    as_json: bool,
    report_dir: Path | None,
    modes: tuple[str, ...],
    no_gate: bool,
    every_set: bool,
    split: str | None,
    previous_path: Path | None,
) -> None:
    """Run the question set through the chat's code path; exit 1 when a metric misses its threshold."""
    from dataclasses import asdict

    generative = "generative" in modes
    if every_set:
        _evals_all(split, as_json, "generative" if generative else "hybrid", previous_path)
        return

    from assistant.core.service import create_assistant
    from evals.collections import set_label
    from evals.compare import PreviousRunError, compare, load_previous
    from evals.dataset import DEFAULT_DATASET, load_dataset
    from evals.generative import GENERATIVE_BOUNDS
    from evals.report import changes_text, failing_rows, metrics_table, text_table, write_reports
    from evals.runner import GENERATIVE, MODES, gate, load_thresholds, run_all, to_json

    settings = settings_from()
    require_index(settings)
    kept = report_dir / "results.json" if report_dir else None
    if previous_path is None and kept is not None and kept.is_file():
        previous_path = kept
    try:
        previous = load_previous(previous_path) if previous_path else None
    except PreviousRunError as error:
        raise click.ClickException(str(error)) from error
    path = dataset or DEFAULT_DATASET
    questions = load_dataset(path)
    ordered = (GENERATIVE,) if generative else tuple(m for m in MODES if m in modes) if modes else MODES
    if generative and not settings.llm.base_url:
        raise click.ClickException("--mode generative needs ASSISTANT_LLM_BASE_URL (e.g. `make llm`).")
    results = run_all(create_assistant(settings), questions, ordered)
    thresholds = GENERATIVE_BOUNDS if generative else load_thresholds(set_label(path)) or {}
    gated = results[0].mode in ("hybrid", GENERATIVE) and not no_gate and bool(thresholds)
    failures = gate(results[0].metrics, thresholds) if gated else []
    current = to_json(results, failures)
    changes = compare(previous, current) if previous else None
    if as_json:
        shown = (
            {**current, "changes": {"since": str(previous_path), **asdict(changes)}} if changes else current
        )
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        click.echo(text_table(metrics_table(results, thresholds)))
        click.echo(f"\nFailing questions ({results[0].mode}):")
        click.echo(text_table(failing_rows(results[0]), width=48))
        if changes is not None:
            click.echo(f"\nChanges since {previous_path} ({results[0].mode}):")
            click.echo(changes_text(changes))
        verdict = (
            "not applied" if not gated else "passed" if not failures else "FAILED\n  " + "\n  ".join(failures)
        )
        click.echo("\nGate: " + verdict)
    if report_dir:
        for path in write_reports(results, thresholds, failures, report_dir, changes):
            click.echo(f"wrote {path}", err=True)
        if kept is not None:  # the next run with this folder compares itself with this one
            kept.write_text(json.dumps(current, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            click.echo(f"wrote {kept}", err=True)
    sys.exit(1 if failures else 0)


@click.command()
@click.option(
    "--export",
    "export_path",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write all feedback to this CSV file ('-' for standard output).",
)
def feedback(export_path: Path) -> None:
    """Export the feedback given in the chat (helpful / wrong answer / wrong citation) as CSV."""
    from assistant.web.feedback import export_csv

    settings = settings_from()
    if str(export_path) == "-":
        count = export_csv(settings.index.data_dir, sys.stdout)
    else:
        with open(export_path, "w", newline="", encoding="utf-8") as out:
            count = export_csv(settings.index.data_dir, out)
    click.echo(f"exported {count} feedback rows", err=True)


def _evals_all(
    split: str | None, as_json: bool, mode: str = "hybrid", previous_path: Path | None = None
) -> None:
    """`assistant evals --all`: every set of every collection, a summary table (or JSON); with
    `previous_path`, the questions that went each way since that run."""
    from assistant.core.readers import load_readers
    from evals.compare import PreviousRunError
    from evals.flips import flip_rows, flips, flips_json, load_suite_run
    from evals.generative import GENERATIVE_BOUNDS
    from evals.report import text_table
    from evals.runner import GENERATIVE, close_bounds, gate, load_targets, load_thresholds
    from evals.suite import cause_rows, kind_rows, pooled, run_suite, summary_rows, target_rows

    settings = settings_from()
    if mode == GENERATIVE and not settings.llm.base_url:
        raise click.ClickException("--mode generative needs ASSISTANT_LLM_BASE_URL (e.g. `make llm`).")
    try:
        previous = load_suite_run(previous_path) if previous_path else None
    except PreviousRunError as error:
        raise click.ClickException(str(error)) from error
    readers = load_readers(settings)
    results = run_suite(lambda collection: _collection_assistant(collection, readers), split, mode)
    targets = load_targets() if mode != GENERATIVE else {}
    bounds = {
        r.question_set.label: (
            GENERATIVE_BOUNDS if mode == GENERATIVE else load_thresholds(r.question_set.label) or {}
        )
        for r in results
    }
    failures = [
        f"{r.question_set.label}: {failure}"
        for r in results
        for failure in gate(r.result.metrics, bounds[r.question_set.label])
    ]
    close = [
        f"{r.question_set.label}: {sentence}"
        for r in results
        for sentence in close_bounds(r.result.metrics, bounds[r.question_set.label], r.result.outcomes)
    ]
    shown = [r.to_json(with_questions=r.question_set.split == "train") for r in results]
    changed = flips(previous, {"sets": shown}) if previous else None
    if as_json:
        together = {label: pooled(results, label) for label in targets}
        verdict = {"passed": not failures, "failures": failures, "close": close}
        output: dict[str, Any] = {"sets": shown, "targets": together, "gate": verdict}
        if changed is not None:
            output["changes"] = {
                "since": str(previous_path),
                "flips": flips_json(changed),
            }
        click.echo(json.dumps(output, indent=2))
    else:
        click.echo(text_table(summary_rows(results), width=40))
        click.echo("\nAnswer / lead accuracy by kind of question (answerable questions):")
        click.echo(text_table(kind_rows(results), width=40))
        click.echo("\nQuestions failed, by cause (counted from the answers; no question shown):")
        click.echo(text_table(cause_rows(results), width=40))
        against = target_rows(results, targets)
        if len(against) > 1:
            click.echo("\nEach collection's test sets together, against the targets (reported, not gated):")
            click.echo(text_table(against, width=40))
        if changed is not None:
            click.echo(
                f"\nQuestions that went each way since {previous_path} (a small chance: more went one "
                "way than a reshuffle would send):"
            )
            click.echo(text_table(flip_rows(changed), width=40))
        click.echo("\nGate: " + ("passed" if not failures else "FAILED\n  " + "\n  ".join(failures)))
        if close:
            click.echo(
                "Bounds met with fewer than two questions to spare (a refit, or this model on another"
                " CPU, can move a question or two):\n  " + "\n  ".join(close)
            )
    sys.exit(1 if failures else 0)


def _collection_assistant(
    collection: Any, readers: Any, index_dir: Path | None = None, encoder_threads: int = 0
) -> Any:
    """An assistant over `collection` (an `evals.collections.Collection`), its index (the
    collection's own unless `index_dir`) brought up to date, answering with `readers` (shared
    between collections: one encoder, one pipeline)."""
    from assistant.core.ingesting import ingest_with_settings
    from assistant.core.readers import settings_embedder
    from assistant.core.service import create_assistant

    base = settings_from(corpus_dir=collection.corpus, index_dir=index_dir or collection.index)
    settings = base.updated(answering={"called": collection.called})
    summary = ingest_with_settings(
        settings, open_index(settings), lambda: settings_embedder(settings, encoder_threads)
    )
    click.echo(f"{collection.name}: {summary.line()}", err=True)
    return create_assistant(settings, readers)


@click.command()
@click.option("--no-cv", is_flag=True, help="Skip the cross-validated figures (much quicker).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON at the end.")
def fit(no_cv: bool, as_json: bool) -> None:
    """Fit the answer model on the train question sets and write it (`make fit`).

    Reads only evals/*/train/*.jsonl. Each collection is ingested afresh into a scratch index with
    one encoder thread: the int8 encoder's vectors then do not depend on how many cores summed
    them or on how an earlier ingest grouped the files, so the same files give the same model.
    Prints the regularisation and thresholds chosen and, unless --no-cv, every training set's
    figures with each question answered by a model fitted without it.
    """
    import tempfile

    from assistant.answering.features import (
        ANSWERABILITY_FEATURES,
        CONFIDENCE_FEATURES,
        SENTENCE_FEATURES,
        SPAN_FEATURES,
    )
    from assistant.answering.model import AnswerModel
    from assistant.core.readers import load_readers
    from evals.fit import fit as fit_model

    settings = settings_from()
    untrained = AnswerModel.untrained(
        SPAN_FEATURES, SENTENCE_FEATURES, CONFIDENCE_FEATURES, ANSWERABILITY_FEATURES
    )
    readers = load_readers(settings, model=untrained)
    with tempfile.TemporaryDirectory(prefix="assistant-fit-") as scratch:

        def open_assistant(collection: Any, readers: Any) -> Any:
            return _collection_assistant(
                collection, readers, Path(scratch) / collection.name, encoder_threads=1
            )

        result = fit_model(
            readers,
            open_assistant,
            settings.answering.model_path,
            lambda line: click.echo(line, err=True),
            cross_validate=not no_cv,
        )
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
