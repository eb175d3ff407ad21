"""Resident memory of `vadbot run` with both adapters connected to the local fake servers.

    python bench/service.py [--seconds 5]

Starts the fake Slack and Discord servers in this process, runs `python -m bot run` as a child
process pointed at them (bundled catalog, a throwaway state file, arXiv pointed at a closed local
port), waits until both platforms are connected and the start-up catch-up has run, lets it idle
for `--seconds`, then prints the child's resident memory (VmRSS) and its peak (VmHWM).
Goal: < 150 MB. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.discord import GUILD_ID, FakeDiscord  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


async def main(seconds: float) -> None:
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("VADBOT_", "SLACK_"))},
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_APP_TOKEN": "xapp-bench",
            "DISCORD_TOKEN": "bench",
            "VADBOT_CATALOG__REPO": str(ROOT),
            "VADBOT_STATE__PATH": f"{tmp}/state.sqlite3",
            "VADBOT_SLACK__API_BASE_URL": slack.api_url,
            "VADBOT_SLACK__CHANNELS__PAPERS": "C0PAPERS",
            "VADBOT_DISCORD__API_BASE_URL": discord.api_url,
            "VADBOT_DISCORD__GATEWAY_URL": discord.gateway_url,
            "VADBOT_DISCORD__GUILD_ID": GUILD_ID,
            "VADBOT_ARXIV__RSS_URL": "http://127.0.0.1:9/rss/",
            "VADBOT_ARXIV__API_URL": "http://127.0.0.1:9/api/query",
            "VADBOT_LOG__LEVEL": "WARNING",
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
        )
        try:
            async with asyncio.timeout(60):
                await slack.connected.wait()
                await discord.identified.wait()
            await asyncio.sleep(seconds)
            mem = memory_mb(child.pid)
        finally:
            child.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(child.wait(), 30)
    await discord.close()
    await slack.close()
    print(f"vadbot run, Slack + Discord connected to the fakes, idle {seconds:.0f} s:")
    print(f"  resident memory (VmRSS) {mem['VmRSS']:.1f} MB, peak (VmHWM) {mem['VmHWM']:.1f} MB")
    print(f"  goal < 150 MB; exit status after SIGTERM: {code}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="idle time before measuring")
    asyncio.run(main(parser.parse_args().seconds))
