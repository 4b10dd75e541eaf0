"""Settings in sections: nested and short environment names, the deployment's settings file, and
checked copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.core.settings import Settings, from_short_names, short_names


def test_a_field_is_set_by_its_short_name_or_its_section_and_the_section_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASSISTANT_USERS_FILE", str(tmp_path / "short.json"))
    monkeypatch.setenv("ASSISTANT_TOP_K", "5")
    monkeypatch.setenv("ASSISTANT_ENCODER", "torch")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL_MODE", "bm25")
    monkeypatch.setenv("ASSISTANT_ANSWERING__CANDIDATES", "7")
    settings = Settings()
    assert settings.serving.users_file == tmp_path / "short.json"
    assert settings.retrieval.top_k == 5 and settings.retrieval.mode == "bm25"
    assert settings.embedding.kind == "torch"
    assert settings.answering.candidates == 7 and settings.retrieval.candidates == 40

    monkeypatch.setenv("ASSISTANT_SERVING__USERS_FILE", str(tmp_path / "nested.json"))
    assert Settings().serving.users_file == tmp_path / "nested.json"


def test_short_names_are_unique_and_reach_every_field_of_their_sections() -> None:
    names = short_names()
    assert len(set(names.values())) == len(names)
    for section in ("index", "embedding", "ingest", "retrieval", "serving"):
        fields = type(getattr(Settings(), section)).model_fields
        assert {field for s, field in names.values() if s == section} == set(fields)
    assert from_short_names(index_dir=Path("i"), encoder="torch") == {
        "index": {"index_dir": Path("i")},
        "embedding": {"kind": "torch"},
    }


def test_a_bad_value_names_its_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "0")
    with pytest.raises(ValidationError, match="retrieval.top_k"):
        Settings()


def test_the_settings_file_holds_the_deployments_wording_below_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wording = tmp_path / "survey.toml"
    wording.write_text(
        '[serving]\nui_title = "River survey notes"\nui_examples = ["Which birds nest by the weir?"]\n'
        '[answering]\ncalled = "the field notes"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(wording))
    settings = Settings()
    assert settings.serving.ui_title == "River survey notes"
    assert settings.serving.ui_examples == ["Which birds nest by the weir?"]
    assert settings.answering.called == "the field notes"

    monkeypatch.setenv("ASSISTANT_UI_TITLE", "Survey")
    assert Settings().serving.ui_title == "Survey"

    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", "")
    monkeypatch.delenv("ASSISTANT_UI_TITLE")
    neutral = Settings()
    assert neutral.serving.ui_examples == [] and neutral.answering.called == "the documents"
    assert "Powys" not in neutral.model_dump_json()


def test_an_updated_copy_is_checked_and_leaves_the_original_alone(tmp_path: Path) -> None:
    settings = Settings(index={"index_dir": tmp_path})
    narrow = settings.updated(retrieval={"candidates": 3}, serving={"answer_cache_size": 0})
    assert (narrow.retrieval.candidates, narrow.serving.answer_cache_size) == (3, 0)
    assert narrow.index.index_dir == tmp_path and settings.retrieval.candidates == 40
    with pytest.raises(ValidationError):
        settings.updated(retrieval={"candidates": 0})
