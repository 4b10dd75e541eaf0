"""The `assistant` command: ingest the corpus, ask questions, serve the chat, run the evals.

A thin layer: each command builds `Settings` from the environment and its options, then
calls the ingest pipeline or one `Assistant`. Errors a user can fix are printed as one line
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from assistant.auth import ROLES
from assistant.benchmark import bench
from assistant.settings import Settings


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@click.group()
def cli() -> None:
    """Ask the Powys children's services reports questions and get cited answers."""


@cli.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Folder of documents.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar and no progress lines.")
@click.option(
    "--max-file-bytes",
    type=click.IntRange(min=1),
    help="Skip larger files (default ASSISTANT_MAX_FILE_BYTES, 20 MB).",
)
def ingest(
    corpus_dir: Path | None, index_dir: Path | None, as_json: bool, quiet: bool, max_file_bytes: int | None
) -> None:
    """Load, clean, split, embed and index the corpus; only changed files are embedded again.

    Exit status 0 when every file was ingested, 3 when some were skipped (each is listed
    with its reason), 1 when ingest could not run. With ASSISTANT_CHROMA_HOST set, writes
    to that Chroma server instead of the index folder.
    """
    from assistant.service import settings_embedder
    from ingest.embedder import encoder_name
    from ingest.manifest import ManifestError
    from ingest.pipeline import ingest_corpus

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir, max_file_bytes=max_file_bytes)
    client = _open_index(settings)
    try:
        summary = ingest_corpus(
            settings.corpus_dir,
            client,
            lambda: settings_embedder(settings),
            max_file_bytes=settings.max_file_bytes,
            write_batch_size=settings.write_batch_size,
            embed_group_size=settings.embed_group_size,
            progress=not quiet and not as_json,
            stage_hook=_test_pause_hook(),
            encoder=encoder_name(settings.encoder),
            max_inflated_bytes=settings.max_inflated_bytes,
            max_passages_per_file=settings.max_passages_per_file,
            progress_lines=None if quiet else lambda line: click.echo(_escaped(line), err=True),
            progress_interval_s=settings.progress_interval_s,
        )
    except (FileNotFoundError, ManifestError) as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        if settings.chroma_host and _is_connection_error(error):
            raise click.ClickException(f"Lost the Chroma server at {_server(settings)}: {error}") from None
        raise
    if as_json:
        click.echo(_escaped_json(json.dumps(_summary_dict(summary), ensure_ascii=False, indent=2)))
    else:
        for skipped in summary.skipped:
            click.echo(_escaped(f"skipped {skipped.name}: {skipped.reason}"), err=True)
        for note in summary.decoded_notes():
            click.echo(_escaped(f"note {note}"), err=True)
        click.echo(f"Ingested {summary.line()}")
    sys.exit(3 if summary.skipped else 0)


# Characters a terminal may act on rather than show: C0 and C1 controls (ESC starts colour, title
# and cursor sequences; CSI is one C1 byte), DEL, line and paragraph separators, and bidirectional
# overrides that make a name read backwards. File names can hold any of them.
_TERMINAL_CONTROLS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escaped(line: str) -> str:
    r"""`line` with terminal controls shown as escapes. Example: "a\x1b[2Jb.txt" -> "a\\x1b[2Jb.txt"."""
    return _TERMINAL_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), line)


def _escaped_text(text: str) -> str:
    """Lines of text quoting documents, with their controls escaped and their own line breaks kept."""
    return "\n".join(_escaped(line) for line in text.split("\n"))


def _escaped_json(text: str) -> str:
    r"""JSON with the controls `json.dumps` leaves raw (C1, DEL, U+2028 …) as \u escapes: the same
    value for a JSON reader, nothing a terminal acts on. Its own line breaks are layout and stay."""
    return _TERMINAL_CONTROLS.sub(
        lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}", text
    )


def _test_pause_hook() -> Any:
    """For crash tests only: ASSISTANT_TEST_PAUSE_AT=STAGE[:N] (embed, write or clean; N-th time,
    default 1st) makes ingest print "PAUSED AT STAGE NAME" to stderr and sleep, to be killed there."""
    import os
    import time

    wanted = os.environ.get("ASSISTANT_TEST_PAUSE_AT", "")
    if not wanted:
        return None
    stage, _, nth = wanted.partition(":")
    seen = {"count": 0}

    def pause(at: str, name: str) -> None:
        if at != stage:
            return
        seen["count"] += 1
        if seen["count"] == int(nth or 1):
            click.echo(f"PAUSED AT {at} {name}", err=True)
            sys.stderr.flush()
            time.sleep(3600)

    return pause


def _server(settings: Settings) -> str:
    return f"{settings.chroma_host}:{settings.chroma_port}"


def _is_connection_error(error: Exception) -> bool:
    import httpx

    return isinstance(error, httpx.TransportError | ConnectionError) or "connect" in str(error).lower()


def _open_index(settings: Settings) -> Any:
    """The Chroma client for `settings`, or a one-line error when the server cannot be reached."""
    from ingest.store import open_client

    try:
        return open_client(settings.index_dir, settings.chroma_host, settings.chroma_port)
    except Exception as error:
        if settings.chroma_host:
            raise click.ClickException(
                f"Cannot reach the Chroma server at {_server(settings)} (ASSISTANT_CHROMA_HOST/PORT): {error}"
            ) from None
        raise click.ClickException(f"Cannot open the index at {settings.index_dir}: {error}") from None


def _summary_dict(summary: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(summary)


@cli.command()
@click.argument("question")
@click.option(
    "--history", multiple=True, help="An earlier question of the conversation (repeatable, oldest first)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as one JSON object.")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Folder of documents.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option(
    "--generate",
    is_flag=True,
    help="Let the language model at ASSISTANT_LLM_BASE_URL write the answer; every sentence is checked "
    "against its quote, and the extractive answer is given (saying why) when none survives.",
)
def ask(
    question: str,
    history: tuple[str, ...],
    as_json: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
    generate: bool,
) -> None:
    """Answer QUESTION from the indexed reports, with numbered citations."""
    from assistant.service import InvalidQuestion, create_assistant

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    _require_index(settings)
    try:
        assistant = create_assistant(settings)
        written = assistant.ask_generative(question, list(history)) if generate else None
        answer = written.answer if written else assistant.ask(question, list(history))
    except InvalidQuestion as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        shown = written.to_dict() if written else answer.to_dict()
        click.echo(_escaped_json(json.dumps(shown, ensure_ascii=False, indent=2)))
        return
    # Answers and citations quote documents: a control character in one is shown, not obeyed.
    click.echo(_escaped_text(answer.text))
    if written and written.fallback_reason:
        click.echo(f"\n(extractive answer: {written.fallback_reason})")
    if written and written.removed:
        click.echo(f"\nRemoved as unsupported ({len(written.removed)}):")
        for removed in written.removed:
            click.echo(_escaped(f"  - {removed.sentence} ({removed.reason})"))
    if answer.query != answer.question:
        click.echo(_escaped_text(f"\n(searched for: {answer.query})"))
    for c in answer.citations:
        click.echo(
            _escaped_text(
                f"\n[{c.n}] {c.title} ({c.source}, {f'page {c.page}, ' if c.page else ''}"
                f"characters {c.start}-{c.end})\n"
                f"    “{' '.join(c.quote.split())}”"
            )
        )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, help="Port to listen on.")
@click.option(
    "--allow-anonymous",
    is_flag=True,
    help="Serve on a non-loopback address without ASSISTANT_USERS_FILE, i.e. without login.",
)
def serve(host: str, port: int, allow_anonymous: bool) -> None:
    """Start the chat in the browser; login is required when ASSISTANT_USERS_FILE is set.

    Without a users file only a loopback address (127.0.0.0/8, ::1, localhost) is served,
    unless --allow-anonymous is given.
    """
    from assistant.auth import AccessError, Authenticator, UsersFileError, check_serve_access

    settings = _settings()
    try:
        warning = check_serve_access(host, settings.users_file, allow_anonymous)
        if settings.users_file is not None:
            Authenticator(settings.users_file)  # a missing, broken or empty users file: fail now
    except (AccessError, UsersFileError) as error:
        raise click.ClickException(str(error)) from None
    if warning:
        click.echo(warning, err=True)
    _require_index(settings)
    from assistant.app import serve as serve_app

    serve_app(settings, host, port, allow_anonymous=allow_anonymous)


@cli.group()
def users() -> None:
    """Manage who may log in to the served chat (the file named by ASSISTANT_USERS_FILE)."""


def _users_file(path: Path | None) -> Path:
    path = path or _settings().users_file
    if path is None:
        raise click.ClickException("No users file: set ASSISTANT_USERS_FILE or pass --file.")
    return path


_file_option = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Users file (default: ASSISTANT_USERS_FILE).",
)


@users.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    help="reader: may ask; maintainer: may also add and remove documents in the chat's Documents tab. "
    "Default: reader for a new user, unchanged for an existing one.",
)
@_file_option
def users_add(name: str, password_stdin: bool, role: str | None, path: Path | None) -> None:
    """Add user NAME, or set a new password for NAME; the password is prompted for twice."""
    from assistant.auth import UsersFileError, add_user, check_name, load_users, role_of

    path = _users_file(path)
    try:
        check_name(name)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        existed = add_user(path, name, password, role)
        role = role_of(load_users(path).get(name))
    except UsersFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{'updated' if existed else 'added'} {name} ({role}) in {path}", err=True)


@users.command("list")
@_file_option
def users_list(path: Path | None) -> None:
    """Print each user name and its role, tab-separated, one a line."""
    from assistant.auth import UsersFileError, load_users, role_of

    try:
        users = load_users(_users_file(path))
    except UsersFileError as error:
        raise click.ClickException(str(error)) from None
    for name in sorted(users):
        click.echo(f"{name}\t{role_of(users[name])}")


@users.command("remove")
@click.argument("name")
@_file_option
def users_remove(name: str, path: Path | None) -> None:
    """Remove user NAME (exit 1 when there is no such user)."""
    from assistant.auth import UsersFileError, remove_user

    path = _users_file(path)
    try:
        removed = remove_user(path, name)
    except UsersFileError as error:
        raise click.ClickException(str(error)) from None
    if not removed:
        raise click.ClickException(f"No user {name!r} in {path}.")
    click.echo(f"removed {name} from {path}", err=True)


@cli.command()
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
    "Default with --report DIR: DIR/results.json, the run before, kept there.",
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
        _evals_all(split, as_json, "generative" if generative else "hybrid")
        return

    from assistant.service import create_assistant
    from evals.collections import set_label
    from evals.compare import PreviousRunError, compare, load_previous
    from evals.dataset import DEFAULT_DATASET, load_dataset
    from evals.generative import GENERATIVE_BOUNDS
    from evals.report import changes_text, failing_rows, metrics_table, text_table, write_reports
    from evals.runner import GENERATIVE, MODES, gate, load_thresholds, run_all, to_json

    settings = _settings()
    _require_index(settings)
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


@cli.command()
@click.option(
    "--export",
    "export_path",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write all feedback to this CSV file ('-' for standard output).",
)
def feedback(export_path: Path) -> None:
    """Export the feedback given in the chat (helpful / wrong answer / wrong citation) as CSV."""
    from assistant.feedback import export_csv

    settings = _settings()
    if str(export_path) == "-":
        count = export_csv(settings.data_dir, sys.stdout)
    else:
        with open(export_path, "w", newline="", encoding="utf-8") as out:
            count = export_csv(settings.data_dir, out)
    click.echo(f"exported {count} feedback rows", err=True)


def _evals_all(split: str | None, as_json: bool, mode: str = "hybrid") -> None:
    """`assistant evals --all`: every set of every collection, a summary table (or JSON)."""
    from assistant.service import load_readers
    from evals.generative import GENERATIVE_BOUNDS
    from evals.report import text_table
    from evals.runner import GENERATIVE, gate, load_thresholds
    from evals.suite import cause_rows, kind_rows, run_suite, summary_rows

    settings = _settings()
    if mode == GENERATIVE and not settings.llm.base_url:
        raise click.ClickException("--mode generative needs ASSISTANT_LLM_BASE_URL (e.g. `make llm`).")
    readers = load_readers(settings)
    results = run_suite(lambda collection: _collection_assistant(collection, readers), split, mode)
    failures = [
        f"{r.question_set.label}: {failure}"
        for r in results
        for failure in gate(
            r.result.metrics,
            GENERATIVE_BOUNDS if mode == GENERATIVE else load_thresholds(r.question_set.label) or {},
        )
    ]
    if as_json:
        shown = [r.to_json(with_questions=r.question_set.split == "train") for r in results]
        click.echo(
            json.dumps({"sets": shown, "gate": {"passed": not failures, "failures": failures}}, indent=2)
        )
    else:
        click.echo(text_table(summary_rows(results), width=40))
        click.echo("\nAnswer / lead accuracy by kind of question (answerable questions):")
        click.echo(text_table(kind_rows(results), width=40))
        click.echo("\nQuestions failed, by cause (counted from the answers; no question shown):")
        click.echo(text_table(cause_rows(results), width=40))
        click.echo("\nGate: " + ("passed" if not failures else "FAILED\n  " + "\n  ".join(failures)))
    sys.exit(1 if failures else 0)


def _collection_assistant(
    collection: Any, readers: Any, index_dir: Path | None = None, encoder_threads: int = 0
) -> Any:
    """An assistant over `collection` (an `evals.collections.Collection`), its index (the
    collection's own unless `index_dir`) brought up to date, answering with `readers` (shared
    between collections: one encoder, one pipeline)."""
    from assistant.service import create_assistant, settings_embedder
    from ingest.embedder import encoder_name
    from ingest.pipeline import ingest_corpus

    base = _settings(corpus_dir=collection.corpus, index_dir=index_dir or collection.index)
    settings = base.model_copy(
        update={"answering": base.answering.model_copy(update={"called": collection.called})}
    )
    summary = ingest_corpus(
        settings.corpus_dir,
        _open_index(settings),
        lambda: settings_embedder(settings, encoder_threads),
        max_file_bytes=settings.max_file_bytes,
        progress=False,
        encoder=encoder_name(settings.encoder),
    )
    click.echo(f"{collection.name}: {summary.line()}", err=True)
    return create_assistant(settings, readers)


@cli.command()
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
    from assistant.service import load_readers
    from evals.fit import fit as fit_model

    settings = _settings()
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


def _require_index(settings: Settings) -> None:
    from ingest.store import index_exists, server_has_index

    if settings.chroma_host:
        if not server_has_index(_open_index(settings)):
            raise click.ClickException(
                f"No index on the Chroma server at {_server(settings)}. Run `assistant ingest` "
                "with the same ASSISTANT_CHROMA_HOST/ASSISTANT_CHROMA_PORT first."
            )
    elif not index_exists(settings.index_dir):
        raise click.ClickException(
            f"No index at {settings.index_dir}. Run `assistant ingest` (or `make ingest`) first."
        )


cli.add_command(bench)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
