"""`assistant users`: who may log in to the served chat, and with which role."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli_common import settings_from
from assistant.web.auth import ROLES


@click.group()
def users() -> None:
    """Manage who may log in to the served chat (the file named by ASSISTANT_USERS_FILE)."""


def _users_file(path: Path | None) -> Path:
    path = path or settings_from().serving.users_file
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
    from assistant.web.auth import UsersFileError, add_user, check_name, load_users, role_of

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
    from assistant.web.auth import UsersFileError, load_users, role_of

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
    from assistant.web.auth import UsersFileError, remove_user

    path = _users_file(path)
    try:
        removed = remove_user(path, name)
    except UsersFileError as error:
        raise click.ClickException(str(error)) from None
    if not removed:
        raise click.ClickException(f"No user {name!r} in {path}.")
    click.echo(f"removed {name} from {path}", err=True)
