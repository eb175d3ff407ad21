"""The example config shows the built-in matching rules, and shows them as they are in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.arxiv.rules import DEFAULT_EXCLUDE, DEFAULT_GROUPS
from bot.errors import ConfigError
from bot.infra.arxiv_http import rules_from_settings
from bot.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "vadbot.example.yaml"


def test_example_points_to_the_rules_file_instead_of_copying_it() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "bot/core/arxiv/rules.toml" in text
    assert "video anomal*" not in text  # no copy of the built-in terms to drift from the file


def test_unknown_matcher_setting_is_one_clear_config_error(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text("arxiv:\n  match:\n    settings:\n      nope: 3\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"arxiv\.match\.settings: unknown matcher setting .nope."
    ):
        rules_from_settings(load_settings(config, {}).arxiv)


def test_configured_settings_override_the_data_file(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text(
        "arxiv:\n  match:\n    settings:\n      denial_window: 10\n", encoding="utf-8"
    )
    assert rules_from_settings(load_settings(config, {}).arxiv).settings.denial_window == 10


def test_empty_match_settings_mean_the_built_in_rules() -> None:
    rules = rules_from_settings(load_settings(EXAMPLE, {}).arxiv)
    assert [g.name for g in rules.groups] == list(DEFAULT_GROUPS)
    assert [t.text for t in rules.exclude.terms] == list(DEFAULT_EXCLUDE)


def test_configured_groups_replace_the_built_in_ones(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text(
        "arxiv:\n  match:\n    groups:\n      a: [anomaly]\n      b: [LLM]\n    min_score: 0.5\n",
        encoding="utf-8",
    )
    rules = rules_from_settings(load_settings(config, {}).arxiv)
    assert [g.name for g in rules.groups] == ["a", "b"]
    assert rules.min_score == 0.5
