"""Settings: YAML for everything that is not a secret, the environment for secrets.

`load_settings(path, environ)` reads `config/vadbot.yaml` (any key may be left out; defaults are
below), then applies `VADBOT_<SECTION>__<KEY>` environment variables (deeper keys joined with
`__`, values read as YAML scalars or lists), then takes the tokens from the variables the
platforms' own docs use. A wrong key or value fails at once, naming the key.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

# ---------------------------------------------------------------------------- sections


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    repo: str = "."
    path: str = "catalog"
    remote: str | None = None
    branch: str = "main"
    bot_name: str = "vadbot"
    bot_email: str = "vadbot@localhost"
    announce_updates: tuple[str, ...] = ("links.code", "links.project", "venue")
    publish: Literal["push", "pull-request"] = "push"
    """push: commit to `branch` and push; pull-request: commit to a bot branch, open a PR/MR."""
    pr_per_entry: bool = False
    """One pull request per approved entry (`vadbot/<entry-id>`) instead of `vadbot/updates`."""
    github_api_url: str = "https://api.github.com"
    """GitHub's REST API; GitHub Enterprise: `https://HOST/api/v3`."""
    gitlab_api_url: str = ""
    """GitLab's REST API; empty: `https://<remote host>/api/v4`."""


@dataclass(frozen=True, slots=True)
class StateSettings:
    path: str = "var/vadbot.sqlite3"


@dataclass(frozen=True, slots=True)
class MatchSettings:
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    min_score: float | None = None
    settings: Mapping[str, float] = field(default_factory=dict)
    """Overrides of the matcher's named heuristics (bot/core/arxiv/rules.toml [settings])."""


DEFAULT_SCOPE = (
    "Papers that use large language models (LLMs), vision-language models (VLMs) or multimodal "
    "LLMs to detect, localise, explain or reason about anomalies in video: unusual, abnormal, "
    "criminal, violent or dangerous events in surveillance, CCTV, traffic or dashcam footage, "
    "including weakly supervised, open-set, open-vocabulary, training-free and explainable video "
    "anomaly detection, video anomaly understanding, and their benchmarks and instruction "
    "datasets. Out of scope: anomaly detection without video (industrial defects, logs, time "
    "series, medical images), video methods with no language model, and video generation."
)
"""The shipped scope: what this list collects, as a lab would tell a new member."""


@dataclass(frozen=True, slots=True)
class ArxivSettings:
    categories: tuple[str, ...] = ("cs.CV", "cs.AI", "cs.CL", "cs.MM", "cs.LG", "eess.IV")
    rss_url: str = "https://rss.arxiv.org/rss/"
    api_url: str = "https://export.arxiv.org/api/query"
    contact: str = ""
    delay_seconds: float = 3.0
    timeout_seconds: float = 30.0
    """The whole of one request, answer and body included (a slow-dripping server is cut)."""
    max_feed_mb: float = 50.0
    """A bigger answer is refused while it streams in (arXiv's largest feeds are ~5 MB)."""
    max_retries: int = 4
    api_page_size: int = 100
    match: MatchSettings = field(default_factory=MatchSettings)
    scope: str = DEFAULT_SCOPE
    """The list's scope in plain words, for the optional LLM judge."""


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    papers: str = ""
    candidates: str = ""
    digest: str = ""
    admin: str = ""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    api_base_url: str | None = None
    gateway_url: str | None = None
    guild_id: str = ""
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    maintainer_users: tuple[str, ...] = ()
    maintainer_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlackSettings:
    mode: Literal["socket", "http"] = "socket"
    api_base_url: str | None = None
    http_port: int = 3000
    http_host: str = "127.0.0.1"
    """HTTP mode listens here: loopback behind a reverse proxy; "0.0.0.0" to face the network."""
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    maintainer_users: tuple[str, ...] = ()
    maintainer_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonLink:
    name: str = ""
    slack: str = ""
    discord: str = ""


@dataclass(frozen=True, slots=True)
class VoteSettings:
    up: tuple[str, ...] = ("👍",)
    down: tuple[str, ...] = ("👎",)
    approve: tuple[str, ...] = ("✅",)
    reject: tuple[str, ...] = ("❌",)
    auto_approve_at: int | None = None
    edit_throttle_seconds: float = 5.0
    people: tuple[PersonLink, ...] = ()


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    timezone: str = "UTC"
    announce_minutes: int = 10
    pull_minutes: int = 10
    arxiv_cron: str = "15 20 * * sun-thu"
    arxiv_timezone: str = "America/New_York"
    digest_cron: str = "0 9 * * mon"
    refresh_cron: str = "0 8 * * mon"
    """The catalog refresh: what arXiv now says about incomplete entries (weekly)."""


@dataclass(frozen=True, slots=True)
class SearchSettings:
    index_path: str = "var/search-index.bin"
    results: int = 5


@dataclass(frozen=True, slots=True)
class LlmSettings:
    """An optional OpenAI-compatible endpoint (Ollama, vLLM, DeepSeek, OpenAI…); off when empty."""

    base_url: str = ""
    """Up to and without `/chat/completions` (example: http://127.0.0.1:11434/v1)."""
    model: str = ""
    timeout_seconds: float = 20.0
    """One deadline for a whole call: connecting, sending and reading the answer."""
    daily_cap: int = 200
    """At most this many calls per UTC day; when reached, no call is made until the next day."""

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


@dataclass(frozen=True, slots=True)
class LogSettings:
    level: str = "INFO"
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True, slots=True)
class Secrets:
    """Tokens, only ever from the environment; never printed (repr hides them)."""

    discord_token: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    llm_api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    gitlab_token: str | None = field(default=None, repr=False)

    def values(self) -> tuple[str, ...]:
        """Every secret that is set, for log redaction."""
        return tuple(v for v in dataclasses.astuple(self) if v)


@dataclass(frozen=True, slots=True)
class Settings:
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    state: StateSettings = field(default_factory=StateSettings)
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    votes: VoteSettings = field(default_factory=VoteSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    log: LogSettings = field(default_factory=LogSettings)
    secrets: Secrets = field(default_factory=Secrets)
    base_dir: str = "."
    """The folder relative paths in the file are read from (the config file's project root)."""

    def resolve(self, path: str) -> Path:
        """A path from the settings, relative to `base_dir` unless absolute."""
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir) / p


SECRET_VARIABLES = {
    "discord_token": "DISCORD_TOKEN",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "llm_api_key": "LLM_API_KEY",
    "github_token": "GITHUB_TOKEN",
    "gitlab_token": "GITLAB_TOKEN",
}
ENV_PREFIX = "VADBOT_"


# ---------------------------------------------------------------------------- loading


def load_settings(path: str | Path | None, environ: Mapping[str, str]) -> Settings:
    """Settings from a YAML file (None: defaults only) and the environment."""
    data: dict[str, Any] = {}
    base_dir = "."
    if path is not None:
        data = _read_yaml(Path(path))
        base_dir = str(_project_root(Path(path)))
    from_env: dict[str, str] = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and "__" in name:
            keys = name[len(ENV_PREFIX) :].lower().split("__")
            _set_path(data, keys, _env_value(value))
            from_env[".".join(keys)] = name
    for key in ("secrets", "base_dir"):
        if key in data:
            raise ConfigError(f"{key}: not a setting; tokens come from the environment only")
    if isinstance(data.get("llm"), Mapping) and "api_key" in data["llm"]:
        raise ConfigError("llm.api_key: not a setting; the key comes from LLM_API_KEY only")
    try:
        settings: Settings = _build(Settings, data, "")
        _check_zones(settings.schedule)
        _check_llm(settings.llm)
    except ConfigError as exc:
        raise _naming_variable(exc, from_env) from None
    secrets = Secrets(**{k: environ.get(v) or None for k, v in SECRET_VARIABLES.items()})
    _check_slack_tokens(secrets)
    return dataclasses.replace(settings, secrets=secrets, base_dir=base_dir)


def _check_llm(llm: LlmSettings) -> None:
    if not llm.enabled:
        return
    if not llm.base_url.startswith(("http://", "https://")):
        raise ConfigError("llm.base_url: must start with http:// or https://")
    if not llm.model:
        raise ConfigError("llm.model: required when llm.base_url is set (example: qwen2.5:7b)")
    if llm.timeout_seconds <= 0 or llm.daily_cap < 0:
        raise ConfigError("llm.timeout_seconds and llm.daily_cap: must be positive")


def _naming_variable(exc: ConfigError, from_env: Mapping[str, str]) -> ConfigError:
    """A wrong value set in the environment is reported against the variable that set it."""
    message = str(exc)
    for key, variable in from_env.items():
        if message.startswith((f"{key}:", f"{key}[", f"{key}.")):
            return ConfigError(f"{variable}: {message}")
    return exc


def _check_zones(schedule: ScheduleSettings) -> None:
    for key in ("timezone", "arxiv_timezone"):
        zone = getattr(schedule, key)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"schedule.{key}: unknown time zone {zone!r} (an IANA name such as Europe/Berlin)"
            ) from None


def _check_slack_tokens(secrets: Secrets) -> None:
    """Slack's two tokens look alike; swapped, Socket Mode fails with an obscure error later."""
    if (secrets.slack_bot_token or "").startswith("xapp-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN holds an app-level token (xapp-…): it belongs in SLACK_APP_TOKEN; "
            "the bot token starts with xoxb-"
        )
    if (secrets.slack_app_token or "").startswith("xox"):
        raise ConfigError(
            "SLACK_APP_TOKEN holds a bot or user token (xox…): it belongs in SLACK_BOT_TOKEN; "
            "the app-level token starts with xapp-"
        )


def _project_root(config_path: Path) -> Path:
    """A config in `<root>/config/` means paths are relative to `<root>`; else to its folder."""
    folder = config_path.resolve().parent
    return folder.parent if folder.name == "config" else folder


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml  # only when there is a file to read: a command without one starts faster

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise ConfigError(f"{path}{line}: not valid YAML: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the config must be a mapping of sections")
    return loaded


def _env_value(raw: str) -> Any:
    """A YAML scalar or list; text YAML cannot read (a cron line's `*`) is taken as it is."""
    import yaml

    try:
        return yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        return raw


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {_kind(data)}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        known = ", ".join(sorted(names))
        raise ConfigError(f"{_join(where, unknown[0])}: unknown setting (known here: {known})")
    values = {k: _convert(hints[k], v, _join(where, k)) for k, v in data.items()}
    return cls(**values)


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, where)
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type[Any], hint), value, where)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: must be one of {', '.join(map(str, args))}")
        return value
    if origin is tuple:
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {_kind(value)}")
        return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(items))
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {_kind(value)}")
        return {str(k): _convert(args[1], v, _join(where, str(k))) for k, v in value.items()}
    return _scalar(hint, value, where)


def _scalar(hint: Any, value: Any, where: str) -> Any:
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # channel ids written without quotes
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
