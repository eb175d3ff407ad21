"""The learned ranker kept up to date with the lab's list and decisions.

Positives: every catalog entry (title and summary), every approved candidate and every maybe
paper a member promoted (unless later rejected); negatives: every rejected candidate. The
examples' fingerprint is stored with the model, so each watch run retrains only when the catalog
or a decision changed (a hash of a few hundred short texts: well under a millisecond), and the
same examples always give the same model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.arxiv.ranker import FORMAT, Ranker, train_ranker
from bot.core.arxiv.rules import Rules, classify, paper_text
from bot.core.models import Candidate, Entry


class ModelStore(Protocol):
    """Where the trained model lives (the state's `ranker` table)."""

    def load_model(self) -> tuple[str, bytes] | None:
        """(fingerprint, model bytes) of the saved model, or None."""
        ...

    def save_model(self, fingerprint: str, model: bytes, now: datetime) -> None:
        """Keep a newly trained model and the fingerprint of its examples."""
        ...


def training_texts(
    entries: Iterable[Entry], candidates: Iterable[Candidate]
) -> tuple[list[str], list[str]]:
    """(positives, negatives) from the catalog and the decisions, in a stable order."""
    positives = [f"{e.title}. {e.summary}" for e in sorted(entries, key=lambda e: e.id)]
    negatives: list[str] = []
    for candidate in sorted(candidates, key=lambda c: c.id):
        if candidate.status == "rejected":
            negatives.append(paper_text(candidate.paper))
        elif candidate.status == "approved" or (
            candidate.status == "pending" and candidate.promoted_by
        ):
            positives.append(paper_text(candidate.paper))
    return positives, negatives


def fingerprint(positives: Sequence[str], negatives: Sequence[str]) -> str:
    """A digest of the examples (and of the model format): equal iff the examples are."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for label, texts in (("+", positives), ("-", negatives)):
        for text in texts:
            digest.update(f"\x00{label}{text}".encode())
    return digest.hexdigest()


def refresh_ranker(
    entries: Iterable[Entry], candidates: Iterable[Candidate], models: ModelStore, now: datetime
) -> tuple[Ranker, bool]:
    """The ranker for the current list and decisions, and whether it was just (re)trained."""
    positives, negatives = training_texts(entries, candidates)
    wanted = fingerprint(positives, negatives)
    saved = models.load_model()
    if saved is not None and saved[0] == wanted:
        try:
            return Ranker.from_bytes(saved[1]), False
        except ValueError:
            pass  # a damaged model is simply trained again
    ranker = train_ranker(positives, negatives)
    models.save_model(wanted, ranker.to_bytes(), now)
    return ranker, True


def rerank(candidates: Iterable[Candidate], rules: Rules, ranker: Ranker) -> dict[int, float]:
    """The lane rank of each kept paper under a newly trained ranker, by candidate number."""
    return {c.id: classify(c.paper, rules, ranker).score for c in candidates}
