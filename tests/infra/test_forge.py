"""Which service and repository a remote URL names, and the settings that choose the API."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.infra.forge import GitHubForge, GitLabForge, RepoRef, build_forge, parse_remote_url
from bot.logs import RedactSecrets
from bot.settings import CatalogSettings, Secrets, load_settings


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        ("https://github.com/lab/awesome-vad.git", "github.com", "lab/awesome-vad"),
        ("https://x-access-token:tok@github.com/lab/awesome-vad", "github.com", "lab/awesome-vad"),
        ("git@github.com:lab/awesome-vad.git", "github.com", "lab/awesome-vad"),
        (
            "ssh://git@gitlab.example.org:2222/lab/group/vad.git",
            "gitlab.example.org",
            "lab/group/vad",
        ),
        ("git@gitlab.com:lab/group/sub/awesome-vad.git", "gitlab.com", "lab/group/sub/awesome-vad"),
    ],
)
def test_the_repository_is_read_from_https_and_ssh_remote_urls(
    url: str, host: str, path: str
) -> None:
    assert parse_remote_url(url) == RepoRef(host, path)


@pytest.mark.parametrize("url", ["/srv/git/list.git", "https://github.com/lab", "git@host:../x"])
def test_a_remote_url_without_a_repository_is_one_clear_line(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^catalog\.remote: cannot read") as caught:
        parse_remote_url(url)
    assert "\n" not in str(caught.value)


async def test_the_service_is_chosen_by_host_or_by_the_api_url_set() -> None:
    tokens = Secrets(github_token="ghp-x", gitlab_token="glpat-x")
    github = build_forge(CatalogSettings(), "git@github.com:lab/a.git", tokens)
    gitlab = build_forge(CatalogSettings(), "https://gitlab.com/lab/a.git", tokens)
    enterprise = CatalogSettings(github_api_url="https://ghe.lab.example/api/v3")
    ghe = build_forge(enterprise, "git@ghe.lab.example:lab/a.git", tokens)
    own = CatalogSettings(gitlab_api_url="https://git.lab.example/api/v4")
    self_hosted = build_forge(own, "git@git.lab.example:lab/a.git", tokens)
    try:
        assert isinstance(github, GitHubForge)
        assert isinstance(gitlab, GitLabForge)
        assert isinstance(ghe, GitHubForge)
        assert isinstance(self_hosted, GitLabForge)
    finally:
        for forge in (github, gitlab, ghe, self_hosted):
            await forge.aclose()
    with pytest.raises(ConfigError, match=r"cannot tell whether git\.lab\.example is GitHub"):
        build_forge(CatalogSettings(), "git@git.lab.example:lab/a.git", tokens)
    with pytest.raises(ConfigError, match="GITLAB_TOKEN is not set"):
        build_forge(CatalogSettings(), "https://gitlab.com/lab/a.git", Secrets())


def test_publish_settings_and_tokens_come_from_yaml_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "vadbot.yaml"
    config.write_text("catalog:\n  publish: pull-request\n  pr_per_entry: true\n")
    env = {"GITHUB_TOKEN": "ghp-secret-123", "GITLAB_TOKEN": "glpat-secret-456"}
    settings = load_settings(config, env)
    assert (settings.catalog.publish, settings.catalog.pr_per_entry) == ("pull-request", True)
    assert settings.catalog.github_api_url == "https://api.github.com"
    assert "ghp-secret-123" not in repr(settings)
    redact = RedactSecrets(settings.secrets.values())
    record = logging.LogRecord("x", logging.INFO, "", 0, "token %s and %s", env.values(), None)
    record.args = ("ghp-secret-123", "glpat-secret-456")
    redact.filter(record)
    assert record.getMessage() == "token [redacted] and [redacted]"
    config.write_text("catalog:\n  publish: pr\n")
    with pytest.raises(ConfigError, match=r"catalog\.publish: must be one of push, pull-request"):
        load_settings(config, {})
