"""What a login gives over HTTP: sessions that end, and a guard in front of every request.

Gradio keeps logins in a table of cookie tokens, `App.tokens` (token -> user name), read on every
request to find the user, and otherwise kept until the server stops. `SessionStore` takes that
table's place: each session remembers when it began and a fingerprint of the password record it
was made with, and stops counting (the user is then logged out) once it is older than the
maximum age, its user is removed, or the password changes. Nothing else in Gradio changes.

`RequestGuard` is an ASGI middleware in front of Gradio: it puts the store in place before any
request reaches Gradio, makes the client address known to the login check (Gradio's `auth`
callable is given only a name and a password), and holds login bodies to a few kilobytes. The
body limit of every other route is FastAPI's own `max_body_size`; both refuse a larger body with
413 before reading it. This module does not check passwords: that is `assistant.web.logins`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.web.logins import Authenticator

log = logging.getLogger(__name__)

MAX_ADDRESS_CHARS = 64  # an IPv6 address is at most 45

# The address of the client whose request is being handled (set by `RequestGuard`).
client_address: ContextVar[str] = ContextVar("client_address", default="unknown")
# The user and password fingerprint a login just verified, for the session Gradio makes next.
_verified: ContextVar[tuple[str, str] | None] = ContextVar("verified_login", default=None)


def gradio_auth(authenticator: Authenticator) -> Callable[[str, str], Awaitable[bool]]:
    """The callable for `launch(auth=...)`: async, so hashing never blocks the server's event loop.

    Gradio awaits it inside its `/login` handler and then records the new session; the verified
    fingerprint is handed to `SessionStore` through the request's context.
    """

    async def auth(username: str, password: str) -> bool:
        client = client_address.get()
        verified = await asyncio.to_thread(authenticator.verify, username, password, client)
        if verified is None:
            return False
        _verified.set((username, verified))
        return True

    return auth


@dataclass(frozen=True)
class Session:
    """One login: whose, with which password record, and since when."""

    user: str
    fingerprint: str | None
    started: float


class SessionStore(MutableMapping[str, str]):
    """Gradio's token table (token -> user name), in which a session counts only while it is
    younger than `max_age`, its user exists and its password is the one it was made with."""

    def __init__(
        self,
        authenticator: Authenticator,
        max_age: float,
        per_user: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.authenticator, self.max_age, self.per_user, self.clock = authenticator, max_age, per_user, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def ended(self, session: Session) -> str | None:
        """Why `session` no longer counts, or None while it does."""
        if self.clock() - session.started >= self.max_age:
            return "expired"
        current = self.authenticator.fingerprint(session.user)
        if current is None:
            return "user removed"
        if session.fingerprint != current:
            return "password changed"
        return None

    def __getitem__(self, token: str) -> str:
        with self._lock:
            session = self._sessions.get(token)
        if session is None:
            raise KeyError(token)
        reason = self.ended(session)
        if reason is not None:
            with self._lock:
                self._sessions.pop(token, None)
            log.info("session of %r ended: %s", session.user, reason)
            raise KeyError(token)
        return session.user

    def __setitem__(self, token: str, user: str) -> None:
        """A new session for `user`, bound to the password record its login verified."""
        verified = _verified.get()
        fingerprint = verified[1] if verified is not None and verified[0] == user else None
        if fingerprint is None:
            log.warning("a session for %r without a verified login: it will not count", user)
        self._purge()
        with self._lock:
            self._sessions[token] = Session(user, fingerprint, self.clock())
            theirs = [t for t, s in self._sessions.items() if s.user == user]  # oldest first
            for old in theirs[: max(0, len(theirs) - self.per_user)]:
                del self._sessions[old]

    def __delitem__(self, token: str) -> None:
        with self._lock:
            del self._sessions[token]

    def __iter__(self) -> Iterator[str]:
        self._purge()
        with self._lock:
            return iter(list(self._sessions))

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _purge(self) -> None:
        """Forget the sessions that no longer count, so the table holds only live ones."""
        with self._lock:
            sessions = list(self._sessions.items())
        gone = [token for token, session in sessions if self.ended(session) is not None]
        with self._lock:
            for token in gone:
                self._sessions.pop(token, None)


def _is_login(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/login"))


def _is_upload(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/upload"))


class RequestGuard:
    """ASGI middleware: the session store in place, the client's address known, and every request
    body held to its route's limit: a login's small, a file upload's the size of a document, any
    other request's `max_request_bytes`.

    FastAPI's `max_body_size` (the limit of every route) is set again on each route, so tighter
    limits cannot be nested inside it: the app's limit is the largest, and the guard counts each
    body against its own.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: SessionStore | None,
        max_login_bytes: int,
        max_request_bytes: int | None = None,
        max_upload_bytes: int | None = None,
    ) -> None:
        self.app, self.sessions = app, sessions
        self.max_login_bytes = max_login_bytes
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes if max_upload_bytes is not None else max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gradio: Any = scope.get("app")
        if self.sessions is not None and getattr(gradio, "tokens", self.sessions) is not self.sessions:
            gradio.tokens = self.sessions  # Gradio sets up an empty table of its own at launch
        client = scope.get("client")
        token = client_address.set(str(client[0])[:MAX_ADDRESS_CHARS] if client else "unknown")
        try:
            limit, what = self._limit(scope)
            if limit is None:
                await self.app(scope, receive, send)
            else:
                await self._bounded(scope, receive, send, limit, what)
        finally:
            client_address.reset(token)

    def _limit(self, scope: Scope) -> tuple[int | None, str]:
        if _is_login(scope):
            return self.max_login_bytes, "A login request"
        if _is_upload(scope):
            return self.max_upload_bytes, "An upload"
        return self.max_request_bytes, "A request"

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int, what: str) -> None:
        """Pass a request on, refused with 413 once its body is longer than `limit`."""
        too_large = HTTPException(413, f"{what} is at most {limit} bytes.")
        length = Headers(scope=scope).get("content-length")
        if length is not None and not (length.isascii() and length.isdigit() and int(length) <= limit):
            response = JSONResponse({"detail": too_large.detail}, status_code=413)
            await response(scope, receive, send)  # the body is never read
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large  # FastAPI passes it on; its exception handler answers 413
            return message

        await self.app(scope, counted, send)
