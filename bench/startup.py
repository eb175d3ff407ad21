"""Whole-process start-up of the commands people and Docker run most: median of N runs.

    python bench/startup.py [--runs 10]

Runs each command as a subprocess (`python -m bot …`, the same code as the `vadbot` script) in
the project folder with the bundled catalog and a throwaway state file, so imports, reading
the settings and the command's own work are all counted. Goals (issue 11): `--help` and
`catalog check` <= 0.12 s, `status` <= 0.15 s. A bare `python -c pass` is printed beside them:
on a loaded machine every figure moves with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.core.health import CATALOG_KEY
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database
from bot.jobs import read_catalog
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "vadbot --help": [sys.executable, "-m", "bot", "--help"],
    "vadbot catalog check": [sys.executable, "-m", "bot", "catalog", "check"],
    "vadbot status": [sys.executable, "-m", "bot", "status"],
}
GOALS = {"vadbot --help": 0.12, "vadbot catalog check": 0.12, "vadbot status": 0.15}


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "VADBOT_STATE__PATH": str(Path(scratch) / "state.sqlite3")}
        env.pop("VADBOT_CONFIG", None)
        # status reads what the service stored of the catalog: store it as build_bot does
        settings = load_settings(None, env)
        repo = GitRepo(settings.resolve(settings.catalog.repo))
        _, read = read_catalog(settings, GitCatalogHistory(repo, settings.catalog.path))
        db = Database(settings.resolve(settings.state.path))
        db.put(CATALOG_KEY, read)
        db.close()
        for name, command in COMMANDS.items():
            seconds = median_seconds(command, runs, env)
            goal = GOALS.get(name)
            verdict = "" if goal is None else ("  ok" if seconds <= goal else f"  over {goal} s")
            print(f"{name:<22} median of {runs}: {seconds:.3f} s{verdict}")


if __name__ == "__main__":
    main()
