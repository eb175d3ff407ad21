"""`vadbot catalog import` of a generated 10,000-entry awesome list into a fresh folder.

python bench/catalog_import.py [--entries N]

Prints the whole command's time and the part spent writing the files (the rest is parsing,
building and checking; cProfile showed the YAML emitter and file creation dominate), then,
for comparison, the time to write the same files one by one
with `write_atomic` (an fsync each), as import did before. The disk of a shared machine is
noisy: run it a few times.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.cli import catalog as cli_catalog
from bot.cli import main as vadbot
from bot.infra.yaml_files import write_atomic

VENUES = ("CVPR", "ICCV", "ECCV", "NeurIPS", "AAAI", "ACM MM", "arXiv")


def build_list(entries: int) -> str:
    """An awesome list: year headings, one bullet line per paper with links and a summary."""
    lines = ["# Awesome Bench", "", "Generated.", ""]
    for i in range(entries):
        if i % 1000 == 0:
            lines += [f"## {2025 - i // 1000}", ""]
        venue = VENUES[i % len(VENUES)]
        lines.append(
            f"- **Paper {i}: Video Anomaly Detection with Large Language Models** ({venue} "
            f"{2025 - i // 1000}) [[paper](https://example.org/p{i}.pdf)] "
            f"[[code](https://github.com/lab{i % 97}/paper-{i})] - 视频异常检测 {i}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    spent = {"write": 0.0}
    original = cli_catalog.write_files

    def timed(*args: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        original(*args, **kwargs)
        spent["write"] += time.perf_counter() - start

    cli_catalog.write_files = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "list.md"
        source.write_text(build_list(args.entries), encoding="utf-8")
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = vadbot(["catalog", "import", str(source), "--out", str(Path(tmp) / "out")])
        total = time.perf_counter() - start
        written = len(list((Path(tmp) / "out").rglob("*.yaml")))
        atomic = _write_each_atomically(Path(tmp) / "out", Path(tmp) / "again")
    assert code == 0, f"import exited {code}"
    print(f"entries:        {args.entries} ({written} files written)")
    print(f"import total:   {total:.2f} s")
    print(f"writing files:  {spent['write']:.2f} s (hidden folder, one sync, renamed into place)")
    print(f"same files, write_atomic each (fsync per file, the old way): {atomic:.2f} s")


def _write_each_atomically(source: Path, target: Path) -> float:
    files = {p.relative_to(source).as_posix(): p.read_text("utf-8") for p in source.rglob("*.yaml")}
    start = time.perf_counter()
    for rel, text in files.items():
        write_atomic(target / rel, text)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
