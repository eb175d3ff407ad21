import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging
from bot.settings import LogSettings

TOKEN = "xoxb-1234-secret-token"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quieted = [logging.getLogger(f"apscheduler.{n}") for n in ("executors", "scheduler")]
    levels = [logger.level for logger in quieted]
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, old in zip(quieted, levels, strict=True):
        logger.setLevel(old)


def _log(fmt: str) -> str:
    stream = io.StringIO()
    setup_logging(LogSettings(level="INFO", format=fmt), [TOKEN], stream)  # type: ignore[arg-type]
    log = logging.getLogger("bot.test")
    log.info("connecting with %s", TOKEN, extra={"job": "announce"})
    try:
        raise RuntimeError(f"refused token {TOKEN}\nsecond line")
    except RuntimeError:
        log.exception("job %s failed", "announce")
    return stream.getvalue()


@pytest.mark.usefixtures("restore_root")
def test_text_log_is_one_line_per_event_and_never_shows_a_secret() -> None:
    out = _log("text")
    lines = out.splitlines()
    assert len(lines) == 2
    assert TOKEN not in out
    assert "connecting with [redacted] job=announce" in lines[0]
    assert "refused token [redacted]" in lines[1]


@pytest.mark.usefixtures("restore_root")
def test_json_log_is_one_object_per_line_and_never_shows_a_secret() -> None:
    out = _log("json")
    events = [json.loads(line) for line in out.splitlines()]
    assert TOKEN not in out
    assert [e["message"] for e in events] == ["connecting with [redacted]", "job announce failed"]
    assert events[0]["job"] == "announce"
    assert "RuntimeError: refused token [redacted]" in events[1]["exc"]
