"""Real throwaway git repositories holding a catalog, for the history and announcer tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from bot.core.models import Entry
from bot.infra.yaml_files import dump_entry, entry_path


def git(path: Path, *args: str) -> str:
    """Run git in `path`; its stdout (the test fails loudly if git does)."""
    done = subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def make_entry(entry_id: str, **fields: Any) -> Entry:
    """A valid paper entry; the title defaults to one derived from the id."""
    defaults: dict[str, Any] = {
        "kind": "paper",
        "title": entry_id.replace("-", " ").title(),
        "venue": "CVPR",
        "year": 2025,
        "links": {"paper": f"https://example.org/{entry_id}"},
        "summary": f"About {entry_id}.",
    }
    return Entry(id=entry_id, **{**defaults, **fields})


class CatalogRepo:
    """A git work tree with a `catalog/` folder; the user is set in the repo, not globally."""

    def __init__(self, root: Path, init: bool = True) -> None:
        self.root = root
        if init:
            root.mkdir(parents=True, exist_ok=True)
            git(root, "init", "-q", "-b", "main")
        # what three `git config` calls would write, without three processes per repository
        with (root / ".git" / "config").open("a", encoding="utf-8") as config:
            config.write("[user]\n\tname = Test Bot\n\temail = bot@example.org\n")
            config.write("[commit]\n\tgpgsign = false\n")

    @classmethod
    def clone(cls, source: Path, root: Path) -> CatalogRepo:
        """A clone of `source` (e.g. a bare remote) at `root`."""
        git(source.parent, "clone", "-q", str(source), str(root))
        return cls(root, init=False)

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def write(self, rel: str, text: str) -> None:
        path = self.root / "catalog" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def put(self, entry: Entry) -> str:
        """Write an entry's file where the catalog keeps it; its path below `catalog/`."""
        rel = entry_path(entry)
        self.write(rel, dump_entry(entry))
        return rel

    def remove(self, rel: str) -> None:
        (self.root / "catalog" / rel).unlink()

    def commit(self, message: str, author: str = "Ada Lovelace") -> str:
        """Commit everything as `author`; the new sha."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, f"--author={author} <a@lab.org>")
        return self.git("rev-parse", "HEAD")

    def add(self, *entries: Entry, author: str = "Ada Lovelace", message: str = "") -> str:
        """Write and commit entries in one commit; the sha."""
        for entry in entries:
            self.put(entry)
        return self.commit(message or f"Add {', '.join(e.id for e in entries)}", author)
