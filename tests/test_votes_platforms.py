"""Votes and approval end to end: the real Slack and Discord adapters on the fake servers, the
real outbox and state file, a real throwaway git catalog with a local bare remote."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.announce import run_announcer
from bot.core.arxiv.rules import build_rules
from bot.core.arxiv.watch import CatalogPapers, process_papers
from bot.core.candidates.commands import CandidateCommands, register_candidate_commands
from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import (
    build_vote_card,
    candidate_key,
    candidate_origin,
    parse_trailers,
    post_link,
)
from bot.core.candidates.reactions import build_vote_rules
from bot.core.commands import build_router
from bot.core.models import Candidate, Catalog, Link, Match, Paper, ReactionEvent, Tally
from bot.core.search.engine import SearchIndex
from bot.infra.announce_store import AnnounceStore
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.outbox import Outbox, Pacer
from bot.infra.state import Database
from bot.infra.stores import CandidateStore
from bot.infra.yaml_files import load_catalog
from bot.settings import load_settings
from tests.fakes import FakeClock, with_platforms
from tests.fakes.discord import GUILD_ID
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS, Platforms, running_platforms
from tests.support_votes import clone, git, make_candidate, make_catalog_repo

MAINT_ROLE = "555000000000000001"
TITLE = "Rare Events, MLLM: Explaining Video Anomalies"
PATH = "catalog/papers/2025/rare-events-mllm.yaml"
ENV = {
    "VADBOT_DISCORD__MAINTAINER_ROLES": f"['{MAINT_ROLE}']",
    "VADBOT_SLACK__MAINTAINER_USERS": "['UMAINT']",
}


async def never(_: float) -> None:
    await asyncio.Event().wait()


async def no_sleep(_: float) -> None:
    return None


@dataclass
class CountingSink:
    """Forwards to the vote flow and counts the events it finished, so tests can wait."""

    target: Any = None
    done: int = 0

    async def on_reaction(self, event: ReactionEvent) -> None:
        await self.target.on_reaction(event)
        self.done += 1


@dataclass
class World:
    p: Platforms
    sink: CountingSink
    flow: VoteFlow
    store: CandidateStore
    outbox: Outbox
    writer: CatalogWriter
    repo: Path
    remote: Path
    db: Database
    clock: FakeClock

    async def wait(self, events: int) -> None:
        await self.p.fake_discord.wait_for(lambda: self.sink.done >= events)

    def posts(self, purpose: str) -> tuple[Any, Any]:
        """The latest post of `purpose` on Slack and on Discord."""
        slack = self.p.fake_slack.messages_in(getattr(SLACK_CHANNELS, purpose))
        discord = self.p.fake_discord.messages_in(getattr(DISCORD_CHANNELS, purpose))
        return slack[-1], discord[-1]

    def footers(self, purpose: str = "candidates") -> tuple[str, str]:
        slack, discord = self.posts(purpose)
        return _slack_footer(slack.blocks), discord.embeds[0]["footer"]["text"]


def _slack_footer(blocks: list[dict[str, Any]]) -> str:
    return str(blocks[-1]["elements"][0]["text"])


@dataclass
class FakeArxiv:
    """The PaperLookup port: arXiv's API answering from a dict."""

    papers: dict[str, Paper] = field(default_factory=dict)

    async def fetch_by_ids(self, ids: Any) -> list[Paper]:
        return [self.papers[i] for i in ids if i in self.papers]


@asynccontextmanager
async def world(tmp_path: Path, arxiv: FakeArxiv | None = None) -> AsyncIterator[World]:
    repo, remote = make_catalog_repo(tmp_path)
    assert remote is not None
    db = Database(tmp_path / "state.sqlite3")
    clock = FakeClock()
    store = CandidateStore(db)
    sink = CountingSink()
    rules = build_vote_rules(load_settings(None, ENV))
    writer = CatalogWriter(
        GitRepo(repo), "catalog", bot_name="vadbot", bot_email="bot@lab", remote="origin"
    )
    router = build_router(SearchIndex([]))
    async with running_platforms(router, sink, db, (MAINT_ROLE,)) as p:
        p.fake_slack.user_names = {"UMAINT": "Grace"}  # Discord's fake member is "Mahdi BM"
        outbox = with_platforms(
            Outbox(db, p.channels, clock, Pacer(intervals={})), [p.slack, p.discord]
        )
        card = build_vote_card(rules)
        flow = VoteFlow(rules, store, writer, outbox, outbox.find_key, clock, card, sleep=never)
        sink.target = flow

        async def catalog() -> Catalog:
            return load_catalog(repo / "catalog")

        def posts(candidate: Candidate) -> tuple[Link, ...]:
            found = (post_link(r, GUILD_ID) for r in outbox.refs(candidate_key(candidate.id)))
            return tuple(link for link in found if link is not None)

        commands = CandidateCommands(flow, arxiv or FakeArxiv(), catalog, clock, post_links=posts)
        register_candidate_commands(router, commands)
        yield World(p, sink, flow, store, outbox, writer, repo, remote, db, clock)


async def propose(w: World, arxiv_id: str = "2501.01234", title: str = TITLE) -> int:
    paper = make_candidate(0, arxiv_id, title).paper
    candidate = w.store.add_candidate(paper, Match(1.0, ("anomaly", "llm")), w.clock.now())
    await w.flow.post_new()
    return candidate.id


async def slack_react(w: World, user: str, emoji: str, added: bool = True, **kw: Any) -> None:
    slack, _ = w.posts("candidates")
    await w.p.fake_slack.send_reaction(
        SLACK_CHANNELS.candidates, slack.ts, emoji, user, added, **kw
    )


async def discord_react(w: World, user: str, emoji: str, added: bool = True, **kw: Any) -> None:
    _, discord = w.posts("candidates")
    await w.p.fake_discord.send_reaction(
        DISCORD_CHANNELS.candidates, discord.id, emoji, user, added, **kw
    )


async def test_votes_from_both_platforms_are_summed_on_both_posts(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        await slack_react(w, "U1", "+1")
        await slack_react(w, "U2", "+1", event_id="EvSAME")
        await slack_react(w, "U2", "+1", event_id="EvSAME", retry_attempt=1)  # a retry
        await slack_react(w, "U2", "thumbsup")  # the same vote under another name
        await discord_react(w, "1001", "👍")
        await discord_react(w, "1001", "👍")  # delivered twice
        await discord_react(w, "1002", "👎")
        await discord_react(w, "1003", "👍")
        await discord_react(w, "1003", "👍", added=False)  # changed their mind
        await w.wait(8)  # the Slack retry never reaches the sink
        assert w.p.fake_slack.messages_in(SLACK_CHANNELS.candidates)[0].edits == []  # throttled
        await w.flow.aclose()
        assert w.footers() == ("👍 3 · 👎 1 (Discord 2, Slack 2)",) * 2
        assert w.flow.tally(number).net == 2
        slack, discord = w.posts("candidates")
        assert (len(slack.edits), len(discord.edits)) == (1, 1)  # a burst is one edit


async def test_only_a_maintainers_checkmark_decides(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        await slack_react(w, "U5", "white_check_mark")
        await discord_react(w, "1005", "✅", roles=("999",))
        await slack_react(w, "U6", "x")
        await w.wait(3)
        await w.flow.aclose()
        candidate = w.store.get(number)
        assert candidate is not None
        assert candidate.status == "pending"
        assert w.flow.tally(number).up == w.flow.tally(number).down == 0  # not votes either
        assert git(w.repo, "rev-list", "--count", "HEAD").strip() == "1"
        slack, discord = w.posts("candidates")
        assert slack.edits == discord.edits == []


async def test_approval_on_both_platforms_at_once_adds_one_entry(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        history = GitCatalogHistory(GitRepo(w.repo), "catalog", remote="origin")
        announce = AnnounceStore(w.db)
        await run_announcer(history, announce, w.outbox, w.clock)  # the baseline
        number = await propose(w)
        await asyncio.gather(
            discord_react(w, "1010", "✅", roles=(MAINT_ROLE,)),
            slack_react(w, "UMAINT", "white_check_mark"),
        )
        await w.wait(2)

        path = "catalog/papers/2025/rare-events-mllm.yaml"
        assert git(w.repo, "rev-list", "--count", "HEAD").strip() == "2"
        assert git(w.repo, "show", "--name-only", "--format=", "HEAD").split() == [path]
        message = git(w.repo, "log", "-1", "--format=%an <%ae>%n%B")
        assert message.startswith("vadbot <bot@lab>\nAdd Rare Events, MLLM")
        trailers = parse_trailers(message)
        assert trailers["Approved-by"] in ("Mahdi BM (Discord)", "Grace (Slack)")
        assert trailers["Candidate"] == f"#{number}"
        sha = git(w.repo, "rev-parse", "HEAD").strip()
        assert git(w.remote, "rev-parse", "main").strip() == sha
        decided = w.store.get(number)
        assert decided is not None
        assert (decided.status, decided.entry_id, decided.commit) == (
            "approved",
            "rare-events-mllm",
            sha,
        )
        who = "@Mahdi BM (Discord)" if decided.decided_platform == "discord" else "@Grace (Slack)"
        line = f"✅ Added to the list by {who} · commit {sha[:7]} · {path}"
        assert w.footers() == (line, line)
        slack, discord = w.posts("candidates")
        assert (len(slack.edits), len(discord.edits)) == (1, 1)

        for _ in range(2):
            await run_announcer(
                history, announce, w.outbox, w.clock, origin=candidate_origin(w.store)
            )
        slack_papers = w.p.fake_slack.messages_in(SLACK_CHANNELS.papers)
        discord_papers = w.p.fake_discord.messages_in(DISCORD_CHANNELS.papers)
        assert (len(slack_papers), len(discord_papers)) == (1, 1)
        assert _slack_footer(slack_papers[0].blocks).endswith(f"· from candidate #{number}")
        assert "Rare Events, MLLM" in str(discord_papers[0].embeds[0])


async def test_a_rejected_paper_is_not_proposed_again_even_as_v2(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        await discord_react(w, "1010", "❌", roles=(MAINT_ROLE,))
        await w.wait(1)
        assert w.footers() == ("❌ Rejected by @Mahdi BM (Discord)",) * 2
        rejected = w.store.get(number)
        assert rejected is not None
        assert rejected.status == "rejected"

        v2 = dataclasses.replace(rejected.paper, version=2, announce_type="replace")
        found = process_papers([v2], w.store, CatalogPapers(), build_rules(), w.clock.now())
        assert found == []
        assert [c.id for c in w.store.list()] == [number]
        await w.flow.post_new()
        assert len(w.p.fake_slack.messages_in(SLACK_CHANNELS.candidates)) == 1
        assert git(w.repo, "rev-list", "--count", "HEAD").strip() == "1"


async def test_a_push_that_fails_is_reported_then_goes_out(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        away = w.remote.with_name("away.git")
        w.remote.rename(away)
        first = await propose(w)
        await slack_react(w, "UMAINT", "white_check_mark")
        await w.wait(1)
        sha = git(w.repo, "rev-parse", "HEAD").strip()
        decided = w.store.get(first)
        assert decided is not None
        assert (decided.status, decided.commit) == ("approved", sha)  # kept, not lost
        assert all(f.endswith("· not pushed yet, will retry") for f in w.footers())
        slack_alert, discord_alert = w.posts("admin")
        assert "push" in slack_alert.text.lower()
        assert "push" in discord_alert.embeds[0]["title"].lower()

        other = clone(away, w.repo.with_name("other"))  # meanwhile someone else pushes
        (other / "catalog" / "note.txt").write_text("edited elsewhere\n", encoding="utf-8")
        git(other, "add", ".")
        git(other, "commit", "-qm", "Someone else's change")
        git(other, "push", "-q", "origin", "main")
        away.rename(w.remote)
        assert await w.flow.push_pending() is None  # the catalog-pull job's push
        pushed = git(w.remote, "rev-parse", "main").strip()
        assert git(w.remote, "log", "-1", "--format=%s", "main").startswith("Add Rare Events")
        assert pushed != sha  # rebased onto the other change
        line = f"✅ Added to the list by @Grace (Slack) · commit {pushed[:7]} · {PATH}"
        assert w.footers() == (line, line)  # "not pushed yet" is gone
        after = w.store.get(first)
        assert after is not None
        assert after.commit == pushed
        assert await w.flow.push_pending() is None
        slack, discord = w.posts("candidates")
        assert (len(slack.edits), len(discord.edits)) == (2, 2)  # shown once, not every pull


async def test_suggest_and_candidates_from_slack_and_discord(tmp_path: Path) -> None:
    arxiv = FakeArxiv({"2501.05555": make_candidate(0, "2501.05555", "Suggested VAD Paper").paper})
    async with world(tmp_path, arxiv) as w:
        await w.p.fake_slack.send_command("suggest https://arxiv.org/abs/2501.05555v2", user="U1")
        await w.p.fake_slack.wait_for(lambda: w.p.fake_slack.responses)
        assert "is now candidate #1" in w.p.fake_slack.responses[-1]["text"]
        suggested = w.store.get(1)
        assert suggested is not None
        assert suggested.source == "suggest"
        slack, discord = w.posts("candidates")
        assert slack.text == discord.embeds[0]["title"] == "Suggested VAD Paper"

        await w.p.fake_discord.send_command("suggest", {"paper": "2501.05555"})
        await w.p.fake_discord.wait_for(lambda: w.p.fake_discord.interaction_replies)
        reply = str(w.p.fake_discord.interaction_replies[-1])
        assert "already candidate #1" in reply
        await w.p.fake_discord.send_command("suggest", {"paper": "not an id"})
        await w.p.fake_discord.wait_for(lambda: len(w.p.fake_discord.interaction_replies) == 2)
        assert "is not an arXiv id or link" in str(w.p.fake_discord.interaction_replies[-1])

        await w.p.fake_slack.send_command("candidates")
        await w.p.fake_slack.wait_for(lambda: len(w.p.fake_slack.responses) == 2)
        listing = str(w.p.fake_slack.responses[-1])
        assert "1. *<https://arxiv.org/abs/2501.05555|Suggested VAD Paper>*" in listing
        assert "candidate #1 · no votes yet" in listing
        assert "https://slack.com/archives/C0CANDIDATES/p" in listing  # a link to its post


async def catch_up(w: World) -> int:
    """What the bot does at start-up, once both platforms are connected."""
    fed = 0
    for platform in (w.p.slack, w.p.discord):
        fed += await w.flow.catch_up(platform, w.outbox.refs)
    await w.flow.aclose()
    return fed


async def test_votes_made_while_the_bot_was_down_are_counted_at_start(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        await slack_react(w, "U2", "+1")
        await discord_react(w, "1003", "👍")
        await w.wait(2)
        await w.flow.aclose()
        assert w.flow.tally(number).up == 2
        slack, discord = w.posts("candidates")
        # the bot is down: people react, the platforms keep it, no event reaches the bot
        fake_slack, fake_discord = w.p.fake_slack, w.p.fake_discord
        fake_slack.react_offline(SLACK_CHANNELS.candidates, slack.ts, "+1", "U1")
        fake_slack.react_offline(SLACK_CHANNELS.candidates, slack.ts, "+1", "U2", added=False)
        fake_slack.react_offline(SLACK_CHANNELS.candidates, slack.ts, "white_check_mark", "U5")
        fake_discord.react_offline(discord.id, "👍", "1001")
        fake_discord.react_offline(discord.id, "👎", "1002")
        assert any(e == "👍" for _, _, e in fake_discord.reactions)  # the bot's own: no vote

        await catch_up(w)
        assert w.flow.tally(number) == Tally(
            3, 1, {"discord": 3, "slack": 1}
        )  # U2 took theirs back
        assert w.footers() == ("👍 3 · 👎 1 (Discord 3, Slack 1)",) * 2
        candidate = w.store.get(number)
        assert candidate is not None
        assert candidate.status == "pending"  # a non-maintainer's ✅ decides nothing
        edits = len(slack.edits)
        await catch_up(w)  # the next start: nothing new
        assert w.flow.tally(number).net == 2
        assert len(slack.edits) == edits


async def test_a_maintainers_approval_made_while_the_bot_was_down_is_applied_at_start(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        _, discord = w.posts("candidates")
        w.p.fake_discord.react_offline(discord.id, "✅", "1010", roles=(MAINT_ROLE,))
        w.p.fake_discord.react_offline(discord.id, "✅", "1011", roles=("999",))

        await catch_up(w)
        decided = w.store.get(number)
        assert decided is not None
        assert (decided.status, decided.decided_by) == ("approved", "Mahdi BM")
        sha = git(w.repo, "rev-parse", "HEAD").strip()
        assert git(w.remote, "rev-parse", "main").strip() == sha
        trailers = parse_trailers(git(w.repo, "log", "-1", "--format=%B"))
        assert trailers["Approved-by"] == "Mahdi BM (Discord)"
        line = f"✅ Added to the list by @Mahdi BM (Discord) · commit {sha[:7]} · {PATH}"
        assert w.footers() == (line, line)


async def test_a_checkmark_elsewhere_on_a_message_with_the_same_id_decides_nothing(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        number = await propose(w)
        slack, discord = w.posts("candidates")
        # a Slack ts is unique only per channel: another channel can have the same one
        await w.p.fake_slack.send_reaction("C0OTHER", slack.ts, "white_check_mark", "UMAINT")
        # the same channel and ts, but a reaction from another workspace of the app
        await w.p.fake_slack.send_reaction(
            SLACK_CHANNELS.candidates, slack.ts, "white_check_mark", "UMAINT", team="T999"
        )
        await w.p.fake_discord.send_reaction(
            "244567637332328499", discord.id, "✅", "1005", roles=(MAINT_ROLE,)
        )
        await w.p.fake_discord.send_reaction(
            DISCORD_CHANNELS.candidates,
            discord.id,
            "✅",
            "1005",
            roles=(MAINT_ROLE,),
            guild="967500967257968699",
        )
        await w.p.fake_slack.send_reaction(SLACK_CHANNELS.candidates, slack.ts, "+1", "U7")
        await w.p.fake_slack.wait_for(lambda: w.flow.tally(number).up == 1 or w.sink.done >= 5)
        candidate = w.store.get(number)
        assert candidate is not None
        assert candidate.status == "pending"
        assert git(w.repo, "rev-list", "--count", "HEAD").strip() == "1"
        assert w.flow.tally(number).up == 1
