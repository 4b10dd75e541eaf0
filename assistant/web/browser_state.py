"""Where the browser keeps the conversation across reloads: its local storage key, and the key the
stored conversation is encrypted with.

Does not read or write the conversation itself (`conversation` does).
"""

from __future__ import annotations

import secrets
from pathlib import Path

# The browser's local storage key of the conversation (encrypted with a key of this server process).
STORAGE_KEY = "powys-reports-conversation"


def browser_key(data_dir: Path) -> str:
    """The key the browser's saved conversation is encrypted with, kept in `data_dir` so that a
    server restart does not make every saved conversation unreadable. Gradio sends it to the
    page (the encryption is done there): it keeps the stored text from casual reading, no more."""
    path = Path(data_dir) / "browser-state.key"
    try:
        return path.read_text(encoding="ascii").strip() or _new_key(path)
    except OSError:
        return _new_key(path)


def _new_key(path: Path) -> str:
    key = secrets.token_urlsafe(24)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key, encoding="ascii")
        path.chmod(0o600)
    except OSError:  # a read-only data folder: conversations last as long as this process
        pass
    return key
