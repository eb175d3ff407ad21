"""The example config shows the built-in matching rules, and shows them as they are in code."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.arxiv.rules import DEFAULT_EXCLUDE, DEFAULT_GROUPS
from bot.infra.arxiv_http import rules_from_settings
from bot.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "vadbot.example.yaml"


def commented_block(after: str) -> str:
    """The `#   ` lines that follow the line `after` in the example's arxiv.match section."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index(after) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    #   "):
            break
        block.append(line.removeprefix("    #   "))
    return "\n".join(block)


def test_example_shows_the_built_in_groups_and_exclusions() -> None:
    groups = yaml.safe_load(commented_block("    groups: {}"))
    exclude = yaml.safe_load(commented_block("    exclude: []"))
    assert groups == {k: list(v) for k, v in DEFAULT_GROUPS.items()}
    assert exclude == list(DEFAULT_EXCLUDE)


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
