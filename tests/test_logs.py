import io
import json
import logging
from collections.abc import Iterator

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli import main
from bot.logs import setup_logging
from bot.settings import LogSettings

TOKEN = "fake-bot-token-for-redaction-test"  # shaped like no real platform token


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


@pytest.mark.usefixtures("restore_root")
@pytest.mark.parametrize(("flags", "shown"), [(["--debug"], True), ([], False)])
def test_every_command_logs_through_the_redacting_handler_and_debug_shows_debug(
    flags: list[str],
    shown: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    assert main([*flags, "discord", "invite-url", "--client-id", "42"]) == 0
    logging.getLogger("slack_sdk.web").debug("sending headers Authorization: Bearer %s", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert ("Authorization: Bearer [redacted]" in err) is shown


@pytest.mark.usefixtures("restore_root")
def test_start_up_warnings_about_voice_and_a_token_given_twice_are_not_logged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    setup_logging(LogSettings(), [TOKEN], stream)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    AsyncApp(client=AsyncWebClient(token=TOKEN), signing_secret="")  # as the Slack adapter does
    voice = logging.getLogger("discord.client")
    voice.warning("PyNaCl is not installed, voice will NOT be supported")
    voice.warning("davey is not installed, voice will NOT be supported")
    voice.warning("Shard ID None has stopped responding to the gateway.")
    [line] = stream.getvalue().splitlines()  # only the warning that matters
    assert "Shard ID None has stopped responding" in line
