from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "vadbot.example.yaml"


def test_example_config_loads_with_every_section() -> None:
    settings = load_settings(EXAMPLE, {})
    assert settings.arxiv.categories[0] == "cs.CV"
    assert settings.catalog.path == "catalog"


def test_environment_overrides_a_key_and_tokens_come_from_platform_names(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text("catalog:\n  path: lists/main\n", encoding="utf-8")
    env = {
        "VADBOT_CATALOG__PATH": "other",
        "VADBOT_DISCORD__CHANNELS__PAPERS": "1234567890",
        "VADBOT_VOTES__UP": "+1, thumbsup",
        "DISCORD_TOKEN": "discord-secret-value",
        "SLACK_BOT_TOKEN": "slack-secret-value",
    }
    settings = load_settings(config, env)
    assert settings.catalog.path == "other"
    assert settings.discord.channels.papers == "1234567890"
    assert settings.votes.up == ("+1", "thumbsup")
    assert settings.secrets.discord_token == "discord-secret-value"
    assert "secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("catalog:\n  pth: x\n", "catalog.pth"),
        ("arxiv:\n  delay_seconds: soon\n", "arxiv.delay_seconds"),
        ("slack:\n  mode: carrier-pigeon\n", "slack.mode"),
        ("secrets:\n  discord_token: x\n", "secrets"),
    ],
)
def test_bad_setting_fails_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(config, {})


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text("catalog:\n  path: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"vadbot\.yaml:\d+"):
        load_settings(config, {})


def test_llm_is_off_by_default_and_the_scope_describes_this_list() -> None:
    settings = load_settings(EXAMPLE, {})
    assert not settings.llm.enabled
    assert settings.llm.daily_cap > 0
    assert "video anomaly" in settings.arxiv.scope.lower()
    assert settings.arxiv.scope == load_settings(None, {}).arxiv.scope


def test_llm_from_environment_with_key_only_from_llm_api_key() -> None:
    env = {
        "VADBOT_LLM__BASE_URL": "http://127.0.0.1:11434/v1",
        "VADBOT_LLM__MODEL": "qwen2.5:7b",
        "VADBOT_LLM__DAILY_CAP": "50",
        "LLM_API_KEY": "llm-secret-value",
    }
    settings = load_settings(None, env)
    assert settings.llm.enabled
    assert settings.llm.model == "qwen2.5:7b"
    assert settings.llm.daily_cap == 50
    assert settings.secrets.llm_api_key == "llm-secret-value"
    assert "llm-secret-value" in settings.secrets.values()  # so the log handler redacts it
    assert "secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"VADBOT_LLM__BASE_URL": "http://127.0.0.1:11434/v1"}, "llm.model"),
        ({"VADBOT_LLM__BASE_URL": "localhost:11434", "VADBOT_LLM__MODEL": "m"}, "llm.base_url"),
        ({"VADBOT_LLM__API_KEY": "x"}, "llm.api_key"),
    ],
)
def test_half_set_llm_fails_naming_the_key(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(None, env)
