"""Where the chat may be served without login: only on this machine (a loopback address),
unless the operator asks for it anywhere (`assistant serve --allow-anonymous`)."""

from __future__ import annotations

import ipaddress
from pathlib import Path


class AccessError(Exception):
    """Serving as asked would expose the chat without login."""


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine: localhost, 127.0.0.0/8 or ::1."""
    host = (host or "").strip().strip("[]")
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_serve_access(host: str, users_file: Path | None, allow_anonymous: bool) -> str | None:
    """Refuse (`AccessError`) to serve beyond this machine without login unless `allow_anonymous`.

    Returns a warning to show when serving anonymously beyond this machine, else None.
    """
    if users_file is not None or is_loopback(host):
        return None
    if not allow_anonymous:
        raise AccessError(
            f"Refusing to serve on {host} without login: set ASSISTANT_USERS_FILE "
            "(see `assistant users add`), use a loopback address, or pass --allow-anonymous."
        )
    return f"WARNING: serving on {host} without login; anyone who can reach it can use the chat and its API."
