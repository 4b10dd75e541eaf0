"""The served chat: answering under load, logins and sessions, request limits, the conversation
the browser keeps, and the page's wording. Short environment names: `ASSISTANT_<FIELD>`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ServingSettings(BaseModel):
    """How `assistant serve` answers, who may use it and how much one request may cost."""

    model_config = ConfigDict(extra="forbid")

    answer_cache_size: int = Field(
        512,
        ge=0,
        description="Answers kept for repeated questions (same words, history, filters and mode); "
        "emptied whenever a re-ingest changes the index. 0 turns the cache off.",
    )
    refresh_interval_s: float = Field(
        1.0,
        ge=0,
        description="The chat looks for a finished re-ingest before a question at most this often.",
    )
    answer_concurrency: int = Field(
        2,
        ge=1,
        description="Questions the chat answers at once. Answering is thread-safe; two at once lets one "
        "embed a question while the other ranks, and more gives no throughput on 2 cores while "
        "lengthening the tail (bench/load.py).",
    )
    queue_size: int = Field(64, ge=1, description="Questions waiting in the chat's queue at most.")
    max_question_chars: int = Field(2000, ge=1, description="Longer questions are refused.")
    users_file: Path | None = Field(
        None,
        description="JSON file of users with salted password hashes (`assistant users add NAME`); "
        "when set, the served chat and its API require login. Unset: no login, loopback only "
        "unless `assistant serve --allow-anonymous`.",
    )
    anonymous_maintainer: bool = Field(
        False,
        description="Without a users file, the chat used from this machine (a loopback client) may add "
        "and remove documents in its Documents tab. Off: anonymous use may only ask. With a users "
        "file, only users with the maintainer role may (`assistant users add NAME --role maintainer`).",
    )
    session_max_age_s: float = Field(
        12 * 3600,
        gt=0,
        description="A login session ends this many seconds after the login; it ends at once when its "
        "user is removed or the password changes.",
    )
    sessions_per_user: int = Field(
        20, ge=1, description="Login sessions one user may hold; a newer login ends the oldest."
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed logins for one name from one client address, within the window, that lock "
        "that name out for that address (other addresses are unaffected).",
    )
    login_client_max_failures: int = Field(
        20,
        ge=1,
        description="Failed logins from one client address within the window, whatever the names, that "
        "lock that address out of every name.",
    )
    login_window_s: float = Field(60.0, gt=0, description="The window failed logins are counted in.")
    login_lockout_s: float = Field(
        60.0, gt=0, description="The first lockout; each further one in a row doubles it."
    )
    login_max_lockout_s: float = Field(3600.0, gt=0, description="The longest a lockout grows to.")
    login_limiter_keys: int = Field(
        10_000,
        ge=1,
        description="Client addresses and names remembered for the login limits; the least recently "
        "failed are forgotten first, so memory stays bounded.",
    )
    max_password_chars: int = Field(
        1024, ge=8, description="Longer passwords are refused before they are hashed."
    )
    max_request_bytes: int = Field(
        2_000_000,
        ge=1024,
        description="Largest request body on any route of the served chat; larger ones get 413 before "
        "they are read.",
    )
    max_login_bytes: int = Field(
        16_384, ge=1024, description="Largest body of a login request (a name and a password)."
    )

    # The chat in the browser: the conversation it keeps across reloads.
    conversation_max_turns: int = Field(
        100,
        ge=1,
        description="Questions a conversation kept in the browser holds; older ones leave the saved "
        "conversation (and its briefing) first. Bounds what every chat request carries.",
    )

    # The page's wording: what the chat calls the collection (the bundled deployment's is in
    # assistant.toml).
    ui_title: str = Field(
        "Document assistant", description="The chat's title: the browser tab's and the heading of the page."
    )
    ui_intro: str = Field(
        "Ask a question about the documents. Every answer is built from their own sentences and cites "
        "them; when they do not say, the assistant says so.",
        description="The paragraph under the title (Markdown).",
    )
    ui_examples: list[str] = Field(
        default_factory=list,
        description="Example questions, one button each, shown while the conversation is empty "
        "(in the environment, a JSON list of strings).",
    )
    ui_question_placeholder: str = Field(
        "Ask a question about the documents", description="The grey text in the empty question box."
    )
    ui_login_message: str = Field(
        "Log in to ask about the documents.", description="The message on the login page (with a users file)."
    )
