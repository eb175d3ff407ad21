"""A candidate's life outside the votes: its post key and card, what an approval makes of it
(a catalog entry and the commit message that adds it), and how a decision reads.

Pure functions; `bot/infra/catalog_writer.py` writes the file and makes the commit, and
`flow.py` runs the votes and decisions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.core.candidates.reactions import Decision, VoteRules, describe_decision, platform_name
from bot.core.catalog.drafts import new_entry_id
from bot.core.models import (
    Candidate,
    Card,
    Catalog,
    Entry,
    Link,
    MessageRef,
    Tally,
    normalise_title,
)
from bot.core.venues import Venue, is_possible, parse_venue

if TYPE_CHECKING:
    from bot.core.ports import CandidateStore, Poster

CardBuilder = Callable[[Candidate, Tally, Decision | None], Card]
AUTO_APPROVER = "auto-approve"
CANDIDATE_PREFIX = "candidate:"
MAYBE_PREFIX = "maybe:"

CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "huggingface.co", "codeberg.org")
"""Where a link in an abstract is the code; any other link is the project page."""


@dataclass(frozen=True, slots=True)
class AddedEntry:
    """The catalog side of an approval: the entry, its file, its commit, and the push."""

    entry_id: str
    path: str
    """The entry file relative to the repository root (`catalog/papers/2025/x.yaml`)."""
    commit: str | None
    created: bool = True
    """False when the paper was already in the catalog: nothing new was written."""
    push_error: str | None = None
    """Why the push failed (the commit is kept locally and pushed later), or None."""
    push_refused: bool = False
    """The remote refused the push on purpose (a protected branch): retrying will not help."""


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """The parts of a new entry a maintainer may edit before it is written: prefilled from the
    paper (`build_draft`) for a ✅ by reaction, or as submitted from the Edit & approve form."""

    title: str
    venue: str
    year: int | None
    code: str = ""
    """The code link ("" for none); a link on no code host is written as the project page."""
    summary: str = ""
    tags: tuple[str, ...] = ()
    venue_source: str = ""
    """Where the venue was read ("arXiv comment 'Accepted to CVPR 2025'"), for the commit."""


def build_draft(
    candidate: Candidate, summary: str = "", known_tags: Collection[str] = ()
) -> EntryDraft:
    """The prefilled entry: the venue and year the arXiv comment/journal_ref name (else arXiv
    and the paper's year), the code link from the abstract or comment, the given summary, and
    the list's own tags that the title or abstract name."""
    paper = candidate.paper
    found = parse_venue(paper.comment, paper.journal_ref)
    year = paper_year(candidate)
    venue, source = "arXiv", ""
    if found.venue is not None and is_possible(found.venue, found.year or year) is None:
        venue, year = venue_name(found), found.year or year
        source = venue_source(paper.comment, paper.journal_ref)
    code = paper.code_url if paper.code_url and is_code_host(paper.code_url) else ""
    return EntryDraft(
        title=" ".join(paper.title.split()),
        venue=venue,
        year=year,
        code=code,
        summary=summary.strip(),
        tags=matching_tags(candidate, known_tags),
        venue_source=source,
    )


def venue_source(comment: str | None, journal_ref: str | None) -> str:
    """Which arXiv field named the venue, quoted: "arXiv comment 'Accepted to CVPR 2025'"."""
    by_ref = parse_venue(None, journal_ref).venue is not None
    name, text = ("journal_ref", journal_ref) if by_ref else ("comment", comment)
    return f"arXiv {name} '{_shorten(' '.join((text or '').split()), 80)}'"


def venue_name(found: Venue) -> str:
    """The catalog's venue text: "CVPR", "ICCV Workshop", "EMNLP Findings"."""
    name = found.venue or "arXiv"
    if found.track in (None, "main"):
        return name
    return f"{name} {found.track.capitalize()}"


def matching_tags(candidate: Candidate, known_tags: Collection[str]) -> tuple[str, ...]:
    """The list's own tags that the paper's title or abstract names (as words)."""
    text = " " + re.sub(r"[^\w]+", " ", f"{candidate.paper.title} {candidate.paper.abstract}")
    text = text.casefold() + " "
    found = (t for t in known_tags if f" {t.casefold().replace('-', ' ')} " in text)
    return tuple(sorted(set(found)))


def is_code_host(url: str) -> bool:
    """True for a link on GitHub, GitLab and the like (anything else is a project page)."""
    return urlsplit(url).netloc.lower().removeprefix("www.") in CODE_HOSTS


def build_entry(
    candidate: Candidate, taken_ids: Collection[str], draft: EntryDraft | None = None
) -> Entry:
    """The new entry for an approved candidate: the draft (prefilled unless a maintainer
    edited it) over the arXiv metadata, with a free id named as the importer names entries
    (short name, else the title's first words)."""
    paper = candidate.paper
    draft = draft or build_draft(candidate)
    links = {k: v for k, v in paper_links(candidate).items() if k != "code"}
    if draft.code:
        links["code" if is_code_host(draft.code) else "project"] = draft.code
    return Entry(
        id=new_entry_id(draft.title, draft.year, set(taken_ids)),
        kind="paper",
        title=" ".join(draft.title.split()),
        venue=draft.venue,
        year=draft.year,
        links=links,
        summary=draft.summary,
        arxiv_id=paper.arxiv_id,
        authors=paper.authors,
        tags=draft.tags,
    )


def paper_year(candidate: Candidate) -> int | None:
    """The year of first publication, from the date or else from a new-style arXiv id."""
    if candidate.paper.published is not None:
        return candidate.paper.published.year
    match = re.match(r"(\d{2})(\d{2})\.\d{4,5}$", candidate.paper.arxiv_id)
    return 2000 + int(match.group(1)) if match else None


def paper_links(candidate: Candidate) -> dict[str, str]:
    """arxiv (abs page), pdf, and code or project when the abstract gave a link."""
    paper = candidate.paper
    links = {
        "arxiv": paper.abs_url or f"https://arxiv.org/abs/{paper.arxiv_id}",
        "pdf": paper.pdf_url or f"https://arxiv.org/pdf/{paper.arxiv_id}",
    }
    if paper.code_url:
        links["code" if is_code_host(paper.code_url) else "project"] = paper.code_url
    return links


def find_in_catalog(catalog: Catalog, candidate: Candidate) -> Entry | None:
    """The entry that already is this paper (same arXiv id or the same title), if any."""
    title = normalise_title(candidate.paper.title)
    for entry in catalog.entries:
        if entry.arxiv_id == candidate.paper.arxiv_id or normalise_title(entry.title) == title:
            return entry
    return None


def build_commit_message(
    entry: Entry, candidate: Candidate, approver: str, platform: str, venue_source: str = ""
) -> str:
    """Subject, lines of context, and the `Approved-by:` and `Candidate:` trailers."""
    subject = f"Add {_shorten(entry.title, 60)} (arXiv {entry.arxiv_id})"
    venue = f"Venue from the {venue_source}.\n" if venue_source else ""
    empty = "" if entry.summary else "The summary is empty for a maintainer to write.\n"
    return (
        f"{subject}\n\n"
        f"Approved in chat from candidate #{candidate.id} (source: {candidate.source}).\n"
        f"{venue}{empty}\n"
        f"Approved-by: {approver} ({platform_name(platform)})\n"
        f"Candidate: #{candidate.id}\n"
    )


def parse_trailers(message: str) -> Mapping[str, str]:
    """The `Key: value` trailers of a commit message's last paragraph."""
    last = message.strip().rsplit("\n\n", 1)[-1]
    pairs = (line.split(": ", 1) for line in last.splitlines() if ": " in line)
    return dict(pairs)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- posts and decisions


async def post_candidates(
    store: CandidateStore,
    poster: Poster,
    build_card: CardBuilder,
    pending: Iterable[Candidate] | None = None,
) -> int:
    """Propose: post each pending candidate for votes (the outbox posts each key once); how
    many. The one way candidates are posted: give it the service's shutdown gate as `poster`."""
    count = 0
    for candidate in store.list("pending") if pending is None else pending:
        if candidate.status == "pending":
            card = build_card(candidate, Tally(), None)
            await poster.publish("candidates", candidate_key(candidate.id), card)
            count += 1
    return count


def candidate_key(candidate_id: int) -> str:
    """The Poster key of a candidate's posts."""
    return f"{CANDIDATE_PREFIX}{candidate_id}"


def parse_candidate_key(key: str | None) -> int | None:
    """The candidate number in a post key, or None for posts about anything else."""
    number = key.removeprefix(CANDIDATE_PREFIX) if key else ""
    return int(number) if key != number and number.isdigit() else None


def maybe_key(arxiv_id: str) -> str:
    """The Poster key of a maybe paper's card (posted once, with the digest)."""
    return f"{MAYBE_PREFIX}{arxiv_id}"


def parse_maybe_key(key: str | None) -> str | None:
    """The arXiv id in a maybe card's key, or None for posts about anything else."""
    arxiv_id = key.removeprefix(MAYBE_PREFIX) if key else ""
    return arxiv_id if key != arxiv_id and arxiv_id else None


def candidate_origin(book: CandidateStore) -> Callable[[Entry], str | None]:
    """For the announcer: "from candidate #12" when an entry came from an approved candidate."""

    def origin(entry: Entry) -> str | None:
        found = book.get_by_arxiv(entry.arxiv_id) if entry.arxiv_id else None
        if found is None or found.status != "approved" or found.entry_id not in (None, entry.id):
            return None
        return f"from candidate #{found.id}"

    return origin


def approved_decision(added: AddedEntry, by: str, platform: str, auto: bool) -> Decision:
    note = "not pushed yet, will retry" if added.push_error else ""
    if added.push_refused:
        note = "committed locally, not pushed: the remote refuses pushes to the branch"
    return Decision("approved", by, platform, added.commit, added.path, note, auto)


def build_failed_card(candidate: Candidate) -> Card:
    body = "Writing or committing the entry failed; the candidate is still pending. See the log."
    return Card(title=f"Could not add candidate #{candidate.id}", body=body, kind="alert")


def build_push_card(candidate: Candidate, added: AddedEntry) -> Card:
    body = (
        f"Candidate #{candidate.id} is committed locally ({(added.commit or '')[:7]}, "
        f"{added.path}) but the push failed; it goes out with the next push. See the log."
    )
    return Card(title="Push to the catalog remote failed", body=body, kind="alert")


def build_protected_card(candidate: Candidate, added: AddedEntry) -> Card:
    """The maintainers' one notice that the remote refuses the bot's pushes, and what to do."""
    body = (
        f"Candidate #{candidate.id} is committed locally ({(added.commit or '')[:7]}, "
        f"{added.path}) but not pushed: {added.push_error}. Approved entries keep waiting "
        "locally (vadbot retries at each catalog pull); this notice is not repeated."
    )
    return Card(title="The catalog remote refuses the bot's pushes", body=body, kind="alert")


def build_vote_card(rules: VoteRules) -> CardBuilder:
    """The candidate card builder (the chat area's card), with the configured reactions, the
    tally in the footer, and the decision line once there is one."""
    reactions = tuple(min(group) for group in (rules.up, rules.down, rules.approve, rules.reject))

    def build(candidate: Candidate, tally: Tally, decision: Decision | None) -> Card:
        line = describe_decision(decision) if decision else None
        card = build_candidate_card(candidate, tally, line, reactions)
        return card if decision else replace(card, edit=candidate.id)  # Edit & approve

    return build


def post_link(ref: MessageRef, discord_guild: str = "") -> Link | None:
    """A link to a candidate's post: Slack's archive link, Discord's channel link (it needs the
    server's id, `discord.guild_id`); None where there is none (the console)."""
    if ref.platform == "slack":
        url = f"https://slack.com/archives/{ref.channel}/p{ref.message_id.replace('.', '')}"
        return Link("Slack post", url)
    if ref.platform == "discord" and discord_guild:
        url = f"https://discord.com/channels/{discord_guild}/{ref.channel}/{ref.message_id}"
        return Link("Discord post", url)
    return None


# ------------------------------------------------------------------------------------------- cards
#
# Card builders shared by the areas: candidate posts and the help card.

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
    lines = [header, _authors(paper.authors), _shorten_words(paper.abstract, ABSTRACT_CHARS)]
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


def _shorten_words(text: str, limit: int) -> str:
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
