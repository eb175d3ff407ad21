"""Logging set-up: one line per event, as text or JSON, with every secret redacted.

Secrets are taken out in a filter on the handler, after the message and any traceback are
formatted, so neither a `%s` argument nor an exception text can carry a token into the log.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.settings import LogSettings

REDACTED = "[redacted]"
NOISE = {
    # vadbot never joins a voice channel.
    "discord.client": frozenset(
        {
            "PyNaCl is not installed, voice will NOT be supported",
            "davey is not installed, voice will NOT be supported",
        }
    ),
    # Bolt reads SLACK_BOT_TOKEN from the environment itself, though we give it our client.
    "slack_bolt.AsyncApp": frozenset({"As you gave `client` as well, `token` will be unused."}),
}
"""Start-up warnings about things vadbot does not use, by logger: dropped, exactly these."""
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


class RedactSecrets(logging.Filter):
    """Replaces every secret in a record's message and traceback with `[redacted]`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.exc_info = None  # the redacted exc_text is what formatters print
        for key, value in vars(record).items():
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class DropMessages(logging.Filter):
    """Drops records whose message is one of `messages`."""

    def __init__(self, messages: frozenset[str]) -> None:
        super().__init__()
        self.messages = messages

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.messages


class TextFormatter(logging.Formatter):
    """`2026-11-24T21:40:00Z INFO bot.core.announce: message key=value`, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        extra = _extra(record)
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        if record.exc_text:
            line += " | " + record.exc_text.strip().replace("\n", " | ")
        return line.replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extra(record),
        }
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


def _extra(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


def setup_logging(
    settings: LogSettings, secrets: Iterable[str], stream: TextIO | None = None
) -> logging.Handler:
    """Route every log record through one redacting handler in the configured format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets(secrets))
    handler.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level.upper())
    # APScheduler logs two lines per run ("Running job…", "…executed successfully"); our
    # JobRunner already logs one line with the result, so keep only its warnings.
    quiet = max(root.level, logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(quiet)
    logging.getLogger("apscheduler.scheduler").setLevel(quiet)
    for name, messages in NOISE.items():
        logger = logging.getLogger(name)
        for old_filter in [f for f in logger.filters if isinstance(f, DropMessages)]:
            logger.removeFilter(old_filter)
        logger.addFilter(DropMessages(messages))
    return handler
