"""A reader that stops early (`vadbot … | head`) gets no traceback."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_list_piped_into_head_ends_without_a_traceback() -> None:
    pipeline = f"{sys.executable} -m bot catalog list --json | head -n 1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "["
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr
