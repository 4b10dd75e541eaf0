"""The chat's wording that names the collection (title, example questions, login message) comes from
the settings: a deployment over other documents sets its own, and the served page shows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.core.readers import Readers
from assistant.core.service import create_assistant
from assistant.core.settings import Settings
from assistant.web import auth
from assistant.web.serving import access_kwargs
from tests.live_app import running_app

PASSWORD = "correct horse battery staple"
WORDING: dict[str, Any] = {
    "ui_title": "Field notes of the river survey",
    "ui_intro": "Ask about the survey's field notes.",
    "ui_examples": ["Which birds nest by the weir?", "When was the water first sampled?"],
    "ui_question_placeholder": "Ask about the field notes",
    "ui_login_message": "Log in to read the river survey's field notes.",
}


@pytest.fixture(scope="module")
def url(
    tmp_path_factory: pytest.TempPathFactory, corpus_settings: Settings, readers: Readers
) -> Iterator[str]:
    """The chat behind login, with the wording above in its settings."""
    users_file = tmp_path_factory.mktemp("wording") / "users.json"
    auth.add_user(users_file, "reader", PASSWORD)
    settings = corpus_settings.updated(serving={"users_file": users_file, **WORDING})
    with running_app(create_assistant(settings, readers), **access_kwargs(settings)) as served:
        yield served


def component_values(config: dict[str, Any], prop: str) -> list[Any]:
    return [component.get("props", {}).get(prop) for component in config["components"]]


def test_the_served_page_shows_the_wording_of_the_settings(url: str) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        refused = http.get("config")  # what the login page shows
        assert refused.status_code == 401
        assert refused.json()["detail"]["auth_message"] == WORDING["ui_login_message"]
        assert http.post("login", data={"username": "reader", "password": PASSWORD}).status_code == 200
        config = http.get("config").json()
    assert config["title"] == WORDING["ui_title"]
    markdown = " ".join(str(v) for v in component_values(config, "value") if isinstance(v, str))
    assert WORDING["ui_title"] in markdown and WORDING["ui_intro"] in markdown
    assert "Powys" not in markdown and "Who carried out the 2025 report?" not in markdown
    buttons = [
        c["props"]["value"] for c in config["components"] if "example" in c["props"].get("elem_classes", [])
    ]
    assert buttons == WORDING["ui_examples"]
    assert WORDING["ui_question_placeholder"] in component_values(config, "placeholder")


def test_the_wording_defaults_describe_the_bundled_corpus() -> None:
    settings = Settings()
    assert settings.serving.ui_title == "Powys children's services reports"
    assert settings.serving.ui_examples[0] == "Who carried out the 2025 report?"
    assert "Powys" in settings.serving.ui_login_message
