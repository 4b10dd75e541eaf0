"""What the `assistant` commands share: settings from options, the index they open, and output
that shows terminal controls in names and quotes as escapes instead of acting on them."""

from __future__ import annotations

import re
from typing import Any

import click

from assistant.core.settings import Settings, from_short_names


def settings_from(**overrides: Any) -> Settings:
    """Settings from the environment, with the options a command was given (None: not given)."""
    return Settings(**from_short_names(**{k: v for k, v in overrides.items() if v is not None}))


# Characters a terminal may act on rather than show: C0 and C1 controls (ESC starts colour, title
# and cursor sequences; CSI is one C1 byte), DEL, line and paragraph separators, and bidirectional
# overrides that make a name read backwards. File names can hold any of them.
TERMINAL_CONTROLS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def escaped(line: str) -> str:
    r"""`line` with terminal controls shown as escapes. Example: "a\x1b[2Jb.txt" -> "a\\x1b[2Jb.txt"."""
    return TERMINAL_CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), line)


def escaped_text(text: str) -> str:
    """Lines of text quoting documents, with their controls escaped and their own line breaks kept."""
    return "\n".join(escaped(line) for line in text.split("\n"))


def escaped_json(text: str) -> str:
    r"""JSON with the controls `json.dumps` leaves raw (C1, DEL, U+2028 …) as \u escapes: the same
    value for a JSON reader, nothing a terminal acts on. Its own line breaks are layout and stay."""
    return TERMINAL_CONTROLS.sub(
        lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}", text
    )


def server_address(settings: Settings) -> str:
    return f"{settings.index.chroma_host}:{settings.index.chroma_port}"


def is_connection_error(error: Exception) -> bool:
    import httpx

    return isinstance(error, httpx.TransportError | ConnectionError) or "connect" in str(error).lower()


def open_index(settings: Settings) -> Any:
    """The Chroma client for `settings`, or a one-line error when the server cannot be reached."""
    from ingest.store import open_client

    try:
        return open_client(settings.index.index_dir, settings.index.chroma_host, settings.index.chroma_port)
    except Exception as error:
        if settings.index.chroma_host:
            raise click.ClickException(
                f"Cannot reach the Chroma server at {server_address(settings)} "
                f"(ASSISTANT_CHROMA_HOST/PORT): {error}"
            ) from None
        raise click.ClickException(f"Cannot open the index at {settings.index.index_dir}: {error}") from None


def summary_dict(summary: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(summary)


def require_index(settings: Settings) -> None:
    from ingest.store import index_exists, server_has_index

    if settings.index.chroma_host:
        if not server_has_index(open_index(settings)):
            raise click.ClickException(
                f"No index on the Chroma server at {server_address(settings)}. Run `assistant ingest` "
                "with the same ASSISTANT_CHROMA_HOST/ASSISTANT_CHROMA_PORT first."
            )
    elif not index_exists(settings.index.index_dir):
        raise click.ClickException(
            f"No index at {settings.index.index_dir}. Run `assistant ingest` (or `make ingest`) first."
        )
