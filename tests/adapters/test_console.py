"""The console as someone at a terminal meets it: case, a missing slash, pasted text, Ctrl-D."""

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.core.commands import build_router
from bot.core.search.engine import build_index
from bot.infra.yaml_files import load_catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def console() -> ConsoleAdapter:
    index = build_index(load_catalog(ROOT / "catalog").entries)
    return ConsoleAdapter(build_router(index), io.StringIO())


@pytest.mark.parametrize("line", ["/vad search vera", "/VAD SEARCH vera", "vad search vera"])
async def test_search_is_understood_however_it_is_typed(console: ConsoleAdapter, line: str) -> None:
    answer = await console.handle_line(line)
    assert "Unknown" not in answer
    assert "VERA" in answer


async def test_a_pasted_wall_of_text_is_not_echoed_back_whole(console: ConsoleAdapter) -> None:
    query = "zq" * 2000
    answer = await console.handle_line(f"/vad search {query}")
    assert query not in answer
    assert query[:100] in answer
    assert len(answer) < 600


def test_ctrl_d_at_the_terminal_stops_vadbot(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN") and "VADBOT" not in k}
    env |= {"VADBOT_CATALOG__REPO": str(ROOT), "VADBOT_STATE__PATH": str(tmp_path / "s.sqlite3")}
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=env,
    )
    os.close(child)
    try:
        os.write(main, b"/vad search vera\n\x04")  # a line, then Ctrl-D
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        stopped = proc.poll() is not None
    finally:
        proc.kill()
        out = proc.communicate()[0].decode()
        os.close(main)
    assert stopped, f"vadbot kept running after Ctrl-D: {out}"
    assert "VERA" in out
    assert "Ctrl-D" in out
