"""Builders for the votes tests: candidates, and real throwaway git catalogs with a bare remote."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.core.candidates.reactions import VoteReaction
from bot.core.models import Candidate, CandidateStatus, Match, Paper, Placement

LIST_YAML = "title: Awesome LLM for VAD\nintro: Papers on LLMs for video anomaly detection.\n"
HOLMES = """\
id: holmes-vau
kind: paper
title: 'Holmes-VAU: Towards Long-term Video Anomaly Understanding at Any Granularity'
venue: CVPR
year: 2025
arxiv_id: '2412.06171'
links:
  arxiv: https://arxiv.org/abs/2412.06171
summary: Hierarchical video anomaly understanding.
"""


def make_candidate(
    number: int = 12,
    arxiv_id: str = "2501.01234",
    title: str = "Rare Events, MLLM: Explaining Video Anomalies",
    code_url: str | None = "https://github.com/lab/rare-events",
    status: str = "pending",
) -> Candidate:
    paper = Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract="We detect anomalies in video with a multimodal LLM.",
        version=1,
        authors=("Ana Silva", "Bo Chen"),
        categories=("cs.CV",),
        published=datetime(2025, 1, 3, tzinfo=UTC),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        code_url=code_url,
    )
    return Candidate(
        id=number,
        paper=paper,
        match=Match(score=2.0, terms=("anomaly", "llm")),
        status=status,  # type: ignore[arg-type]
    )


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def make_catalog_repo(tmp_path: Path, with_remote: bool = True) -> tuple[Path, Path | None]:
    """A git repo with a small catalog committed, and (optionally) a bare remote it pushed to."""
    repo = tmp_path / "repo"
    (repo / "catalog" / "papers" / "2025").mkdir(parents=True)
    (repo / "catalog" / "list.yaml").write_text(LIST_YAML, encoding="utf-8")
    (repo / "catalog" / "papers" / "2025" / "holmes-vau.yaml").write_text(HOLMES, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=Lab", "-c", "user.email=lab@example.org", "add", ".")
    git(repo, "-c", "user.name=Lab", "-c", "user.email=lab@example.org", "commit", "-qm", "Seed")
    if not with_remote:
        return repo, None
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    return repo, remote


def clone(remote: Path, where: Path) -> Path:
    """A second working copy of the remote, as a person editing the list elsewhere."""
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True)
    git(where, "config", "user.name", "Someone")
    git(where, "config", "user.email", "someone@example.org")
    return where


@dataclass
class FakeBook:
    """The candidates a command reads, in memory, with the votes on them."""

    items: list[Candidate] = field(default_factory=list)
    suggested_by: str | None = None
    votes: dict[int, list[VoteReaction]] = field(default_factory=dict)

    def vote_reactions(self, candidate_id: int) -> Sequence[VoteReaction]:
        return self.votes.get(candidate_id, [])

    def get(self, candidate_id: int) -> Candidate | None:
        return next((c for c in self.items if c.id == candidate_id), None)

    def get_by_arxiv(self, arxiv_id: str) -> Candidate | None:
        return next((c for c in self.items if c.paper.arxiv_id == arxiv_id), None)

    def list(self, status: CandidateStatus | None = None) -> Sequence[Candidate]:
        return [c for c in self.items if status is None or c.status == status]

    def add_candidate(
        self, paper: Paper, match: Match, now: datetime, placement: Placement | None = None
    ) -> Candidate:
        placement = placement or Placement()
        self.suggested_by = placement.suggested_by
        candidate = Candidate(
            len(self.items) + 1, paper, match, source=placement.source, created_at=now
        )
        self.items.append(candidate)
        return candidate
