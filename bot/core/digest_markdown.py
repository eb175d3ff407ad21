"""The weekly digest as Markdown, for `vadbot digest --print`, e-mail or a wiki."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.candidates.lifecycle import maybe_reason
from bot.core.digest import (
    MAX_MAYBE,
    MAX_WAITING,
    Digest,
    Voted,
    approval_text,
    approvals_by_entry,
    candidate_url,
    decision_summary,
    entry_links,
    format_counts,
    format_votes,
    listed_decisions,
    period_text,
    top_waiting,
    venue_year,
)
from bot.core.models import Candidate, Entry


def render_digest_markdown(digest: Digest, tz: ZoneInfo) -> str:
    """The digest as Markdown (for `vadbot digest --print`, e-mail or a wiki)."""
    lines = [f"# 🗞️ {digest.name} weekly · {period_text(digest, tz)}", ""]
    lines += [f"## New in the list ({len(digest.added)})", ""]
    approvals = approvals_by_entry(digest)
    lines += [f"- {_md_entry(n.entry, approvals.get(n.entry.id))}" for n in digest.added] or [
        "- nothing new this week"
    ]
    lines += ["", f"## {decision_summary(digest)}", ""]
    lines += [f"- {_md_decided(v)}" for v in listed_decisions(digest)]
    if approvals:
        lines.append(f"- {len(approvals)} approved, shown under New in the list")
    if not digest.decided:
        lines.append("- no decisions this week")
    new_ids = {v.candidate.id for v in digest.proposed}
    lines += ["", f"## Waiting for your votes ({len(digest.waiting)})", ""]
    lines += [f"- {_md_waiting(v, v.candidate.id in new_ids)}" for v in top_waiting(digest)]
    if not digest.waiting:
        lines.append("- no candidate is waiting")
    elif len(digest.waiting) > MAX_WAITING:
        lines.append(f"- … and {len(digest.waiting) - MAX_WAITING} more waiting")
    if digest.maybe:
        lines += ["", f"## Maybe for the list ({len(digest.maybe)})", ""]
        lines += [f"- {_md_maybe(c)}" for c in digest.maybe[:MAX_MAYBE]]
        if len(digest.maybe) > MAX_MAYBE:
            lines.append(f"- … and {len(digest.maybe) - MAX_MAYBE} more (`/vad maybe`)")
    lines += [
        "",
        f"New candidates this week: {len(digest.proposed)}.",
        format_counts(digest.counts),
    ]
    return "\n".join(lines) + "\n"


def _md_text(text: str) -> str:
    # Titles come from outside: keep them from opening links, emphasis or HTML.
    for char in "\\[]<>*_`":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _md_entry(entry: Entry, approval: Voted | None) -> str:
    links = " · ".join(f"[{link.label}]({_md_url(link.url)})" for link in entry_links(entry))
    approved = _md_text(approval_text(approval)) if approval else ""
    parts = [f"**{_md_text(entry.title)}**", venue_year(entry), links, approved]
    return " — ".join(p for p in parts if p)


def _md_title(voted: Voted) -> str:
    url = candidate_url(voted)
    title = _md_text(voted.candidate.paper.title)
    return f"[{title}]({_md_url(url)})" if url else title


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _md_decided(voted: Voted) -> str:
    verb = "❌ rejected" if voted.candidate.status == "rejected" else "✅ added"
    who = _md_text(voted.candidate.decided_by or "a maintainer")
    return f"{_md_title(voted)} — {verb} by {who} · {format_votes(voted.tally)}"


def _md_waiting(voted: Voted, new: bool) -> str:
    return f"{'🆕 ' if new else ''}{_md_title(voted)} · {format_votes(voted.tally)}"


def _md_maybe(candidate: Candidate) -> str:
    paper = candidate.paper
    link = f" ({paper.abs_url})" if paper.abs_url else ""
    why = _md_text(maybe_reason(candidate))
    return f"{_md_text(paper.title)}{link} — {why} · `/vad promote {paper.arxiv_id}`"
