"""Serving the chat: `serve` is what `assistant serve` calls; `launch` starts a built app with the
page's theme; `access_kwargs` are its arguments for access (login, request size limits).

Does not lay the page out (`app.build_app` does) nor check passwords (`logins`).
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from assistant.web.app import build_app
from assistant.web.documents import MULTIPART_SLACK, upload_limit
from assistant.web.logins import Authenticator
from assistant.web.page import CSS
from assistant.web.serve_access import check_serve_access
from assistant.web.sessions import RequestGuard, SessionStore, gradio_auth


def launch(app: Any, host: str, port: int, **kwargs: Any) -> Any:
    """Start `app` (queued by `build_app`) with the page's CSS; `kwargs` go to `Blocks.launch`."""
    # Darker primary buttons and softer text than Gradio's defaults: both reach WCAG AA contrast (axe).
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "Consolas", "monospace"]
    ).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        body_text_color_subdued="*neutral_600",
    )
    # No footer: its links ("Use via API", "Built with Gradio", settings) fail contrast, and the API
    # is documented in the README.
    kwargs.setdefault("footer_links", [])
    # FastAPI's own /openapi.json and /docs sit outside Gradio's login check: off.
    app_kwargs = {"openapi_url": None, "docs_url": None, "redoc_url": None, **kwargs.pop("app_kwargs", {})}
    return app.launch(
        app_kwargs=app_kwargs, server_name=host, server_port=port, css=CSS, theme=theme, **kwargs
    )


def access_kwargs(settings: Settings) -> dict[str, Any]:
    """`launch` keyword arguments for access: request bodies capped on every route (FastAPI's
    `max_body_size`, tighter for `/login`) and, with a users file, login with sessions that end
    (the login page showing `settings.serving.ui_login_message`)."""
    authenticator: Authenticator | None = None
    sessions: SessionStore | None = None
    if settings.serving.users_file is not None:
        authenticator = Authenticator.from_settings(settings)
        sessions = SessionStore(
            authenticator, settings.serving.session_max_age_s, settings.serving.sessions_per_user
        )
    uploads = upload_limit(settings) + MULTIPART_SLACK
    guard = Middleware(
        RequestGuard,
        sessions=sessions,
        max_login_bytes=settings.serving.max_login_bytes,
        max_request_bytes=settings.serving.max_request_bytes,
        max_upload_bytes=uploads,
    )
    kwargs: dict[str, Any] = {
        "app_kwargs": {
            "max_body_size": max(settings.serving.max_request_bytes, uploads),
            "middleware": [guard],
        },
        "max_file_size": upload_limit(settings),  # the browser refuses a larger upload before sending it
    }
    if authenticator is not None:
        kwargs.update(auth=gradio_auth(authenticator), auth_message=settings.serving.ui_login_message)
    return kwargs


def serve(settings: Settings, host: str, port: int, *, allow_anonymous: bool = False) -> None:
    """Serve the chat; login is required when `settings.serving.users_file` is set.

    Raises `serve_access.AccessError` for a non-loopback `host` without a users file unless
    `allow_anonymous`, and `auth.UsersFileError` for a users file with no users.
    """
    check_serve_access(host, settings.serving.users_file, allow_anonymous)  # the CLI has shown its warning
    access = access_kwargs(settings)  # before the model loads: a bad users file fails fast
    app = build_app(create_assistant(settings))
    launch(app, host, port, **access)
