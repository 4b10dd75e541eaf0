"""The users file: who may log in, with which role, and their salted password hashes.

The users file (`ASSISTANT_USERS_FILE`) is JSON::

    {"version": 1, "users": {"NAME": {"algorithm": "scrypt", "n": 32768, "r": 8, "p": 1,
                                      "salt": "<hex>", "hash": "<hex>", "role": "maintainer"}}}

Each user has its own random salt; only the algorithm, its parameters, the salt and the derived
key are stored, never the password. `role` is `reader` (may ask) or `maintainer` (may also add
and remove documents); a record without one, as files written before roles have, is a reader.
The file is rewritten atomically with 0600 permissions.
Does not check logins (`assistant.web.logins` does, rate-limited) nor say where the chat may be
served without login (`assistant.web.serve_access`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from ingest.files import write_atomically

log = logging.getLogger(__name__)

FILE_VERSION = 1
SALT_BYTES = 16
KEY_BYTES = 32
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
SCRYPT_MAXMEM = 256 * 2**20
MIN_PASSWORD_CHARS = 8
MAX_NAME_CHARS = 64
READER, MAINTAINER = "reader", "maintainer"
ROLES = (READER, MAINTAINER)


class UsersFileError(Exception):
    """The users file cannot be read, is malformed, or a name or password is not acceptable."""


# --- hashing -------------------------------------------------------------------------------------


def hash_password(password: str) -> dict[str, Any]:
    """A new record for `password`: scrypt with a fresh random salt."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsersFileError(f"The password must be at least {MIN_PASSWORD_CHARS} characters.")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, {"algorithm": "scrypt", **SCRYPT}, salt)
    return {"algorithm": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": key.hex()}


def _derive(password: str, record: dict[str, Any], salt: bytes) -> bytes:
    secret = password.encode("utf-8")
    algorithm = record.get("algorithm")
    if algorithm == "scrypt":
        return hashlib.scrypt(
            secret,
            salt=salt,
            n=int(record["n"]),
            r=int(record["r"]),
            p=int(record["p"]),
            maxmem=SCRYPT_MAXMEM,
            dklen=KEY_BYTES,
        )
    if algorithm == "pbkdf2_sha256":
        return hashlib.pbkdf2_hmac("sha256", secret, salt, int(record["iterations"]), dklen=KEY_BYTES)
    raise UsersFileError(f"Unknown password hash algorithm: {algorithm!r}.")


def verify_password(password: str, record: dict[str, Any]) -> bool:
    """Whether `password` matches `record`, compared in constant time."""
    try:
        expected = bytes.fromhex(record["hash"])
        key = _derive(password, record, bytes.fromhex(record["salt"]))
    except (KeyError, TypeError, ValueError, UsersFileError):
        return False
    return hmac.compare_digest(key, expected)


# A record no password matches, verified against for unknown names so that they take as long.
DUMMY_RECORD = {"algorithm": "scrypt", **SCRYPT, "salt": "00" * SALT_BYTES, "hash": "00" * KEY_BYTES}


# --- the file ------------------------------------------------------------------------------------


def check_name(name: str) -> str:
    """`name` if it can be a user name: 1-64 printable characters, no surrounding spaces."""
    if not name or len(name) > MAX_NAME_CHARS or name != name.strip() or not name.isprintable():
        raise UsersFileError(
            f"A user name is 1-{MAX_NAME_CHARS} printable characters without leading or trailing spaces."
        )
    return name


def load_users(path: Path) -> dict[str, dict[str, Any]]:
    """The users in `path` by name; an empty dict when the file does not exist."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UsersFileError(f"Cannot read the users file {path}: {error}") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict) or not all(
        isinstance(r, dict) and {"algorithm", "salt", "hash"} <= set(r) for r in users.values()
    ):
        raise UsersFileError(f"{path} is not a users file (expected {{'users': {{NAME: ...}}}}).")
    return users


def save_users(path: Path, users: dict[str, dict[str, Any]]) -> None:
    """Write `users` to `path` atomically (a 0600 temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": FILE_VERSION, "users": dict(sorted(users.items()))}, indent=2) + "\n"
    write_atomically(path, text.encode("utf-8"), permissions=0o600)
    os.chmod(path, 0o600)


def check_role(role: str) -> str:
    """`role` if it is one of `ROLES`."""
    if role not in ROLES:
        raise UsersFileError(f"Unknown role {role!r}: choose {' or '.join(ROLES)}.")
    return role


def role_of(record: dict[str, Any] | None) -> str:
    """The role a user record grants: `maintainer` only when it says so, else `reader` (no record,
    no role, or one this version does not know: the least that can be given)."""
    return MAINTAINER if record is not None and record.get("role") == MAINTAINER else READER


def user_role(path: Path, name: str) -> str:
    """`name`'s role in the users file now (read afresh, so a change applies at the next request);
    `reader` for an unknown name or an unreadable file."""
    try:
        return role_of(load_users(path).get(name))
    except UsersFileError:
        log.exception("the users file is unreadable: %s has no maintainer rights", shown_name(name))
        return READER


def add_user(path: Path, name: str, password: str, role: str | None = None) -> bool:
    """Add `name` or set its new password; True when the user already existed.

    `role` None keeps an existing user's role (a new user is a reader)."""
    users = load_users(path)
    existed = check_name(name) in users
    role = check_role(role) if role is not None else role_of(users.get(name))
    users[name] = {**hash_password(password), "role": role}
    save_users(path, users)
    return existed


def remove_user(path: Path, name: str) -> bool:
    """Remove `name`; False when there was no such user."""
    users = load_users(path)
    if name not in users:
        return False
    del users[name]
    save_users(path, users)
    return True


# --- what logins and logs keep of a user ---------------------------------------------------------


def fingerprint(record: dict[str, Any]) -> str:
    """What a session remembers of the password record it was made with: a new password (even the
    same one set again, with its fresh salt) gives another fingerprint, so older sessions end."""
    material = f"{record.get('algorithm')}:{record.get('salt')}:{record.get('hash')}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def shown_name(name: str) -> str:
    """`name` as a log shows it: quoted, and cut at the longest a user name can be.

    Example: shown_name("x" * 1_000_000) -> "'xx…xx'… (1000000 characters)", 64 x's quoted.
    """
    if len(name) <= MAX_NAME_CHARS:
        return repr(name)
    return f"{name[:MAX_NAME_CHARS]!r}… ({len(name)} characters)"
