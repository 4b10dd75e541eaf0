"""The `assistant` command: ingest the corpus, ask questions, serve the chat, run the evals.

A thin layer: each command builds `Settings` from the environment and its options, then
calls the ingest pipeline or one `Assistant`. Errors a user can fix are printed as one line
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from assistant.cli_common import (
    escaped,
    escaped_json,
    escaped_text,
    is_connection_error,
    open_index,
    require_index,
    server_address,
    settings_from,
    summary_dict,
)
from assistant.cli_evals import evals, feedback, fit


class LazyGroup(click.Group):
    """A command group whose commands named in `lazy` ("name": "module:attribute") are imported
    only when run or listed: the product never imports the bench for any other command."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, attribute = self.lazy[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup, lazy={"bench": "bench.command:bench", "users": "assistant.cli_users:users"})
def cli() -> None:
    """Ask questions of the indexed documents and get answers that cite them."""


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
    from assistant.core.ingesting import ingest_with_settings
    from assistant.core.readers import settings_embedder
    from ingest.manifest import ManifestError

    settings = settings_from(corpus_dir=corpus_dir, index_dir=index_dir, max_file_bytes=max_file_bytes)
    client = open_index(settings)
    try:
        summary = ingest_with_settings(
            settings,
            client,
            lambda: settings_embedder(settings),
            progress=not quiet and not as_json,
            progress_lines=None if quiet else lambda line: click.echo(escaped(line), err=True),
        )
    except (FileNotFoundError, ManifestError) as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        if settings.index.chroma_host and is_connection_error(error):
            raise click.ClickException(
                f"Lost the Chroma server at {server_address(settings)}: {error}"
            ) from None
        raise
    if as_json:
        click.echo(escaped_json(json.dumps(summary_dict(summary), ensure_ascii=False, indent=2)))
    else:
        for skipped in summary.skipped:
            click.echo(escaped(f"skipped {skipped.name}: {skipped.reason}"), err=True)
        for note in summary.decoded_notes():
            click.echo(escaped(f"note {note}"), err=True)
        click.echo(f"Ingested {summary.line()}")
    sys.exit(3 if summary.skipped else 0)


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
    """Answer QUESTION from the indexed documents, with numbered citations."""
    from assistant.core.questions import InvalidQuestion
    from assistant.core.service import create_assistant

    settings = settings_from(corpus_dir=corpus_dir, index_dir=index_dir)
    require_index(settings)
    try:
        assistant = create_assistant(settings)
        written = assistant.ask_generative(question, list(history)) if generate else None
        answer = written.answer if written else assistant.ask(question, list(history))
    except InvalidQuestion as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        shown = written.to_dict() if written else answer.to_dict()
        click.echo(escaped_json(json.dumps(shown, ensure_ascii=False, indent=2)))
        return
    # Answers and citations quote documents: a control character in one is shown, not obeyed.
    click.echo(escaped_text(answer.text))
    if written and written.fallback_reason:
        click.echo(f"\n(extractive answer: {written.fallback_reason})")
    if written and written.removed:
        click.echo(f"\nRemoved as unsupported ({len(written.removed)}):")
        for removed in written.removed:
            click.echo(escaped(f"  - {removed.sentence} ({removed.reason})"))
    if answer.query != answer.question:
        click.echo(escaped_text(f"\n(searched for: {answer.query})"))
    for c in answer.citations:
        click.echo(
            escaped_text(
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
    from assistant.web.auth import UsersFileError
    from assistant.web.logins import Authenticator
    from assistant.web.serve_access import AccessError, check_serve_access

    settings = settings_from()
    try:
        warning = check_serve_access(host, settings.serving.users_file, allow_anonymous)
        if settings.serving.users_file is not None:
            Authenticator(settings.serving.users_file)  # a missing, broken or empty users file: fail now
    except (AccessError, UsersFileError) as error:
        raise click.ClickException(str(error)) from None
    if warning:
        click.echo(warning, err=True)
    require_index(settings)
    from assistant.web.serving import serve as serve_app

    serve_app(settings, host, port, allow_anonymous=allow_anonymous)


for command in (evals, feedback, fit):
    cli.add_command(command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
