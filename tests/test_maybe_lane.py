"""Issue 12 in the product, through `build_bot` with the real adapters on both fake platforms:
the maybe lane (kept, in the digest and `/vad maybe`, promoted by 👍/✅), the ranker learning
from approvals and rejections, and the optional LLM judge against a fake OpenAI endpoint."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Bot, Seams, build_bot
from bot.core.arxiv.watch import expected_feed_date
from bot.scheduling import DIGEST
from bot.settings import (
    ArxivSettings,
    LlmSettings,
    Settings,
    load_settings,
)
from tests.fakes import FakeClock
from tests.fakes.arxiv import OTHER_PAPERS, VAD_PAPERS, Item, api_feed, rss_feed
from tests.fakes.discord import FakeDiscord
from tests.fakes.openai_server import FakeOpenAI, answer, slow, status
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS, on_the_fakes
from tests.fakes.slack import FakeSlack
from tests.git_repo import CatalogRepo, make_entry

MAINT_ROLE = "555555555555555555"
MEMBER, MAINT = "232163710506893312", "232163710506893313"
EVENING = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # Mon 23 Nov 20:30 in New York
NEXT_MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # after the weekly digest's time
CANDIDATE = VAD_PAPERS[0]
MAYBE = OTHER_PAPERS[0]  # a video anomaly detector with no language model
MAYBE_2 = Item(
    "2611.07654",
    "Skeleton Graphs for Violence Detection in Surveillance Video",
    "We detect violent actions in CCTV footage from pose skeletons with a graph network.",
)


@dataclass
class Lab:
    settings: Settings
    repo: CatalogRepo
    slack: FakeSlack
    discord: FakeDiscord
    clock: FakeClock
    rss: list[bytes]

    def feed(self, *items: Item) -> None:
        self.rss[0] = rss_feed(expected_feed_date(self.clock.now()), items).encode()

    def posts(self, purpose: str) -> tuple[list[str], list[str]]:
        """What the bot shows in a channel: Slack texts and Discord embeds, oldest first."""
        slack = [str(m.latest) for m in self.slack.messages_in(getattr(SLACK_CHANNELS, purpose))]
        channel = getattr(DISCORD_CHANNELS, purpose)
        return slack, [str(m.embeds) for m in self.discord.messages_in(channel)]


async def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
async def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Lab]:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-01T12:00:00+00:00")
    repo = CatalogRepo(tmp_path / "list")
    repo.add(
        make_entry(
            "holmes-vau",
            title="Holmes-VAU: Video Anomaly Understanding with an MLLM",
            summary="Multimodal LLM explains anomalies in surveillance video.",
        ),
        make_entry(
            "lavad",
            title="LAVAD: Training-free Video Anomaly Detection with LLMs",
            summary="An LLM scores captions of video frames for anomalies.",
        ),
    )
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-24T02:00:00+00:00")
    slack, discord = FakeSlack(), FakeDiscord(roles=(MAINT_ROLE,))
    await slack.start()
    await discord.start()
    base = load_settings(
        None,
        {
            "VADBOT_CATALOG__REPO": str(repo.root),
            "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
        },
    )
    arxiv = dataclasses.replace(
        base.arxiv,
        rss_url="https://rss.test/rss/",
        api_url="https://export.test/api/query",
        delay_seconds=0.0,
        contact="lab@example.org",
    )
    settings = on_the_fakes(base, slack, discord, MAINT_ROLE, arxiv=arxiv)
    assert isinstance(settings.arxiv, ArxivSettings)
    yield Lab(settings, repo, slack, discord, FakeClock(EVENING), [b""])
    await discord.close()
    await slack.close()


@asynccontextmanager
async def running(lab: Lab, llm: LlmSettings | None = None) -> AsyncIterator[Bot]:
    """The bot as `vadbot run` builds it, connected to both fakes (jobs are run by hand)."""

    def arxiv(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/"):
            return httpx.Response(200, content=api_feed([]).encode())
        return httpx.Response(200, content=lab.rss[0])

    seams = Seams(
        arxiv_transport=httpx.MockTransport(arxiv),
        arxiv_sleep=no_sleep,
        sleep=no_sleep,
        out=io.StringIO(),
        discord_ready_timeout=0.05,
    )
    settings = dataclasses.replace(lab.settings, llm=llm) if llm else lab.settings
    bot = build_bot(settings, clock=lab.clock, seams=seams)
    await bot.start(interactive=False)
    await bot.wait_connected(10)
    await asyncio.wait_for(bot.caught_up(), 10)
    try:
        yield bot
    finally:
        await bot.close()


async def until(predicate: Callable[[], Any]) -> None:
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.01)


def find(messages: list[Any], text: str) -> Any:
    [found] = [m for m in messages if text in str(getattr(m, "latest", "") or m.embeds)]
    return found


# ---------------------------------------------------------------- the maybe lane


async def test_near_misses_are_kept_listed_in_the_digest_and_promoted_on_both_platforms(
    lab: Lab,
) -> None:
    lab.feed(CANDIDATE, MAYBE, MAYBE_2, OTHER_PAPERS[1])
    async with running(lab) as bot:
        result = await bot.jobs.watch()
        assert result.startswith("1 new candidate(s), 2 kept as maybe from 4 paper(s)")
        slack, discord = lab.posts("candidates")
        assert len(slack) == len(discord) == 1  # only the candidate is posted for votes
        assert CANDIDATE.title in slack[0]

        await lab.slack.send_command("maybe", user="W1")
        await until(lambda: lab.slack.responses)
        listing = str(lab.slack.responses[-1])
        assert MAYBE.title in listing
        assert MAYBE_2.title in listing
        assert "/vad promote" in listing
        assert OTHER_PAPERS[1].title not in listing  # off-topic: in no lane

        lab.clock.current = NEXT_MONDAY
        await bot.service.scheduler.run_job(DIGEST)
        slack, discord = lab.posts("digest")
        assert len(slack) == len(discord) == 3  # the digest, then one card per maybe paper
        for digest in (slack[0], discord[0]):
            assert "Maybe for the list" in digest
            assert MAYBE.title in digest
            assert MAYBE_2.title in digest
            assert "why: " in digest  # one line of why

        # A member's 👍 on Slack promotes the first: a candidate post on both platforms.
        card = find(lab.slack.messages_in(SLACK_CHANNELS.digest), f"arXiv {MAYBE.arxiv_id}")
        await lab.slack.send_reaction(SLACK_CHANNELS.digest, card.ts, "+1", user="W1")
        await until(lambda: [len(p) for p in lab.posts("candidates")] == [2, 2])
        assert all(MAYBE.title in posts[1] for posts in lab.posts("candidates"))
        await until(lambda: "promoted by" in str(card.latest))

        # On Discord a member's ✅ is nothing; a maintainer's ✅ promotes.
        post = find(lab.discord.messages_in(DISCORD_CHANNELS.digest), f"arXiv {MAYBE_2.arxiv_id}")
        await lab.discord.send_reaction(DISCORD_CHANNELS.digest, post.id, "✅", user_id=MEMBER)
        await lab.discord.send_reaction(
            DISCORD_CHANNELS.digest, post.id, "✅", user_id=MAINT, roles=(MAINT_ROLE,)
        )
        await until(lambda: [len(p) for p in lab.posts("candidates")] == [3, 3])
        kept = bot.candidates.get_by_arxiv(MAYBE_2.arxiv_id)
        assert kept is not None
        assert kept.status == "pending"
        assert kept.promoted_by == "Mahdi BM (Discord)"

        await lab.slack.send_command("maybe", user="W1")
        await until(lambda: len(lab.slack.responses) == 2)
        assert "maybe lane is empty" in str(lab.slack.responses[-1])


async def test_vad_promote_posts_a_maybe_paper_for_votes_and_says_what_it_cannot(
    lab: Lab,
) -> None:
    lab.feed(MAYBE)
    async with running(lab) as bot:
        await bot.jobs.watch()
        assert lab.posts("candidates") == ([], [])
        asked = ("2611.99999", f"https://arxiv.org/abs/{MAYBE.arxiv_id}v2", MAYBE.arxiv_id)
        for number, arxiv_id in enumerate(asked, start=1):
            await lab.slack.send_command(f"promote {arxiv_id}", user="W1")
            await until(lambda n=number: len(lab.slack.responses) == n)
        answers = [str(r) for r in lab.slack.responses]
        assert "not in the maybe lane" in answers[0]
        assert "is now candidate #1" in answers[1]
        assert "already candidate #1" in answers[2]
        assert len(lab.posts("candidates")[1]) == 1


# ---------------------------------------------------------------- learning from decisions

WILDLIFE = Item(
    "2611.05001",
    "Wildlife Anomaly Detection in Trail Videos with a Vision-Language Model",
    "We detect anomalies such as rare animals in trail videos with a vision-language model.",
)
ACCIDENT = Item(
    "2611.05002",
    "Traffic Accident Anticipation in Dashcam Video with a Multimodal LLM",
    "We anticipate traffic accidents in dashcam videos by prompting a multimodal LLM with "
    "driving scenes.",
)
PANIC = Item(
    "2611.05003",
    "Crowd Panic Detection in Surveillance Video with a Large Language Model",
    "We detect abnormal crowd panic events in surveillance videos by asking a large language "
    "model about stampede scenes.",
)
LIKE_ACCIDENT = Item(
    "2611.05004",
    "Traffic Accident Anticipation from Dashcam Driving Scenes",
    "We anticipate traffic accidents in dashcam videos of driving scenes with a recurrent network.",
)
LIKE_PANIC = Item(
    "2611.05005",
    "Crowd Panic and Stampede Detection in Surveillance Video",
    "We detect abnormal crowd panic and stampede events in surveillance videos with optical flow.",
)


async def test_the_ranker_learns_from_an_approval_and_a_rejection_made_in_chat(lab: Lab) -> None:
    lab.feed(WILDLIFE, ACCIDENT, PANIC, LIKE_ACCIDENT, LIKE_PANIC)
    async with running(lab) as bot:

        def rank(item: Item) -> float:
            found = bot.candidates.get_by_arxiv(item.arxiv_id)
            assert found is not None
            assert found.rank is not None
            return found.rank

        async def decided(item: Item, status: str) -> None:
            def done() -> bool:
                found = bot.candidates.get_by_arxiv(item.arxiv_id)
                return found is not None and found.status == status

            await until(done)
            await bot.jobs.watch()  # the next watch run notices the decision and retrains

        await bot.jobs.watch()
        slack = lab.slack.messages_in(SLACK_CHANNELS.candidates)
        discord = lab.discord.messages_in(DISCORD_CHANNELS.candidates)
        assert [m for m in slack if WILDLIFE.title in str(m.latest)] == [slack[0]]

        await lab.slack.send_reaction(SLACK_CHANNELS.candidates, slack[0].ts, "x", user="UMAINT")
        await decided(WILDLIFE, "rejected")
        before_approval = rank(LIKE_ACCIDENT)

        await lab.discord.send_reaction(
            DISCORD_CHANNELS.candidates, discord[1].id, "✅", user_id=MAINT, roles=(MAINT_ROLE,)
        )
        await decided(ACCIDENT, "approved")
        assert rank(LIKE_ACCIDENT) > before_approval  # like the approved paper: ranks higher
        before_rejection = rank(LIKE_PANIC)

        await lab.slack.send_reaction(SLACK_CHANNELS.candidates, slack[2].ts, "x", user="UMAINT")
        await decided(PANIC, "rejected")
        assert rank(LIKE_PANIC) < before_rejection  # like the rejected paper: ranks lower

        # `/vad maybe` shows the new order; a new candidate's post names its evidence words.
        await lab.slack.send_command("maybe", user="W1")
        await until(lambda: lab.slack.responses)
        listing = str(lab.slack.responses[-1])
        assert listing.index(LIKE_ACCIDENT.title) < listing.index(LIKE_PANIC.title)
        lab.feed(VAD_PAPERS[1])
        await bot.jobs.watch()
        slack_post, discord_post = (posts[-1] for posts in lab.posts("candidates"))
        assert VAD_PAPERS[1].title in slack_post
        assert "why: " in slack_post
        assert "why: " in discord_post


# ---------------------------------------------------------------- the optional LLM judge


@pytest.fixture
async def openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


def llm(fake: FakeOpenAI, timeout: float = 5.0, cap: int = 200) -> LlmSettings:
    return LlmSettings(
        base_url=fake.base_url, model="judge", timeout_seconds=timeout, daily_cap=cap
    )


async def test_the_llm_moves_papers_between_lanes_and_its_reason_is_on_the_post(
    lab: Lab, openai: FakeOpenAI
) -> None:
    openai.by_text = {
        MAYBE.title: answer("relevant\nIt grounds video anomalies in a language model's captions."),
        CANDIDATE.title: answer("maybe\nThe language model is only mentioned in passing."),
        MAYBE_2.title: answer("not relevant\nPose skeletons, no language at all."),
    }
    lab.feed(CANDIDATE, MAYBE, MAYBE_2, OTHER_PAPERS[1])
    async with running(lab, llm(openai)) as bot:
        result = await bot.jobs.watch()
        assert result.startswith("1 new candidate(s), 2 kept as maybe"), result
        assert len(openai.requests) == 3  # the gate-passing papers only
        slack, discord = lab.posts("candidates")
        for posts in (slack, discord):
            assert len(posts) == 1
            assert MAYBE.title in posts[0]
            assert "LLM: relevant: It grounds video anomalies" in posts[0]
        demoted = bot.candidates.get_by_arxiv(CANDIDATE.arxiv_id)
        assert demoted is not None
        assert demoted.status == "maybe"  # never dropped: "not relevant" stays maybe too
        await lab.slack.send_command("maybe", user="W1")
        await until(lambda: lab.slack.responses)
        assert "Pose skeletons, no language at all" in str(lab.slack.responses[-1])


@pytest.mark.parametrize(
    "reply",
    [answer("Sure! This paper is great."), status(429), status(500), slow()],
    ids=["nonsense", "429", "500", "timeout"],
)
async def test_a_failing_llm_leaves_the_rules_lane_and_delays_nothing(
    lab: Lab, openai: FakeOpenAI, reply: Any
) -> None:
    openai.default = reply
    lab.feed(CANDIDATE, MAYBE)
    async with running(lab, llm(openai, timeout=0.3)) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        result = await bot.jobs.watch()
        took = loop.time() - started
        assert result.startswith("1 new candidate(s), 1 kept as maybe"), result
        assert len(openai.requests) == 2
        assert took < 0.3 + 1.0  # one deadline (both asked at once), not one per paper
        slack, discord = lab.posts("candidates")
        assert len(slack) == len(discord) == 1
        assert CANDIDATE.title in slack[0]
        assert "LLM:" not in slack[0]
        assert "LLM:" not in discord[0]


async def test_the_daily_cap_stops_the_judge_and_the_rules_decide_the_rest(
    lab: Lab, openai: FakeOpenAI
) -> None:
    openai.default = answer("relevant\nIt explains video anomalies with an LLM.")
    lab.feed(MAYBE, MAYBE_2)
    async with running(lab, llm(openai, cap=1)) as bot:
        result = await bot.jobs.watch()
        assert len(openai.requests) == 1
        assert result.startswith("1 new candidate(s), 1 kept as maybe"), result
        lab.feed(OTHER_PAPERS[0], VAD_PAPERS[2])  # the same day: the cap still holds
        await bot.jobs.watch()
        assert len(openai.requests) == 1
        assert bot.candidates.get_by_arxiv(VAD_PAPERS[2].arxiv_id) is not None
