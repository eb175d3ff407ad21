"""Card builders shared by the areas: candidate posts and the help card."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Candidate, Card, Link, Tally

ABSTRACT_CHARS = 300
MAX_AUTHORS = 3


def build_candidate_card(
    candidate: Candidate,
    tally: Tally | None = None,
    decision: str | None = None,
    reactions: Sequence[str] = ("👍", "👎", "✅", "❌"),
) -> Card:
    """The candidate post: header, title, authors, abstract, why it matched, links, votes."""
    paper = candidate.paper
    category = paper.categories[0] if paper.categories else ""
    header = " · ".join(p for p in ("🆕 Candidate", f"arXiv {paper.arxiv_id}", category) if p)
    lines = [header, _authors(paper.authors), _shorten(paper.abstract, ABSTRACT_CHARS)]
    lines += [_matched(candidate), why_line(candidate)]
    votes = format_tally(tally) if tally and has_votes(tally) else _vote_hint(reactions)
    return Card(
        title=paper.title,
        url=paper.abs_url or None,
        body="\n".join(line for line in lines if line),
        links=_paper_links(candidate),
        footer=decision or votes,
        reactions=tuple(reactions) if decision is None else (),
        kind="candidate",
    )


def has_votes(tally: Tally | None) -> bool:
    """Whether anyone voted (an empty Tally is still an object, hence true)."""
    return tally is not None and (tally.up > 0 or tally.down > 0)


def format_tally(tally: Tally) -> str:
    """`👍 4 · 👎 1 (Discord 3, Slack 2)`: votes and how many came from each platform."""
    text = f"👍 {tally.up} · 👎 {tally.down}"
    split = ", ".join(f"{p.capitalize()} {n}" for p, n in sorted(tally.by_platform.items()))
    return f"{text} ({split})" if split else text


def _vote_hint(reactions: Sequence[str]) -> str:
    up, down, approve, reject = (list(reactions) + ["👍", "👎", "✅", "❌"][len(reactions) :])[:4]
    return f"React {up} / {down} to vote · maintainers {approve} add to the list · {reject} reject"


def _authors(authors: Sequence[str]) -> str:
    shown = ", ".join(authors[:MAX_AUTHORS])
    extra = len(authors) - MAX_AUTHORS
    return f"{shown} (+{extra})" if extra > 0 else shown


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def _matched(candidate: Candidate) -> str:
    terms = " · ".join(candidate.match.terms)
    score = f"relevance {candidate.match.score:.2f}"
    return f"matched: {terms}      {score}" if terms else score


def why_line(candidate: Candidate) -> str:
    """`why: anomaly, surveillance, llm` (the ranker's words, when they say more than the
    matched terms) and the LLM judge's reason, on one line; "" when neither is known."""
    words = [w for w in candidate.evidence if w not in candidate.match.terms]
    parts = [f"why: {', '.join(candidate.evidence)}"] if words else []
    if candidate.llm_reason:
        parts.append(f"LLM: {candidate.llm_reason}")
    return " · ".join(parts)


def maybe_reason(candidate: Candidate) -> str:
    """One line saying why a maybe paper was kept: the LLM's reason, else the evidence words,
    else the rule that let it in."""
    if candidate.llm_reason:
        return f"LLM: {candidate.llm_reason}"
    if candidate.evidence:
        return f"why: {', '.join(candidate.evidence)}"
    return candidate.reason or "kept by the loose gate"


def build_maybe_card(
    candidate: Candidate, reactions: Sequence[str] = ("👍", "✅"), done: str | None = None
) -> Card:
    """A maybe-lane paper, small: title, why it was kept, how to promote it (or who did)."""
    paper = candidate.paper
    rank = f"rank {candidate.rank:.2f}" if candidate.rank is not None else ""
    header = " · ".join(p for p in ("🤔 Maybe for the list", f"arXiv {paper.arxiv_id}", rank) if p)
    up, approve = (list(reactions) + ["👍", "✅"][len(reactions) :])[:2]
    hint = (
        f"React {up} (anyone) or {approve} (maintainers) to post it for votes · "
        f"or /vad promote {paper.arxiv_id}"
    )
    return Card(
        title=paper.title,
        url=paper.abs_url or None,
        body="\n".join((header, maybe_reason(candidate))),
        links=_paper_links(candidate),
        footer=done or hint,
        reactions=tuple(reactions) if done is None else (),
        kind="maybe",
    )


def _paper_links(candidate: Candidate) -> tuple[Link, ...]:
    paper = candidate.paper
    pairs = (("abs", paper.abs_url), ("pdf", paper.pdf_url), ("code", paper.code_url or ""))
    return tuple(Link(label, url) for label, url in pairs if url)


def build_help_card(commands: Sequence[tuple[str, str, str]]) -> Card:
    """The `/vad help` card: one line per (name, summary, example)."""
    lines = [f"/vad {name} — {summary}\n    e.g. {example}" for name, summary, example in commands]
    return Card(
        title="vadbot · /vad commands",
        body="\n".join(lines),
        footer="Votes: react on a candidate post; maintainers approve or reject by reaction.",
        kind="help",
    )
