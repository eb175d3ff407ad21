"""The announcer on real throwaway git repositories, with the state in a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.announce import AnnounceReport, run_announcer
from bot.core.models import Card, Entry, MessageRef
from bot.infra.announce_store import AnnounceStore
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database
from tests.fakes import FakeClock, FakePoster
from tests.git_repo import CatalogRepo, git, make_entry


@dataclass
class Bot:
    """The announcer's world: a catalog repo, a state file, a poster and a clock."""

    repo: CatalogRepo
    state_path: Path
    poster: FakePoster = field(default_factory=FakePoster)
    clock: FakeClock = field(default_factory=FakeClock)
    remote: str | None = None
    db: Database | None = None

    @property
    def store(self) -> AnnounceStore:
        if self.db is None:
            self.db = Database(self.state_path)
        return AnnounceStore(self.db)

    def restart(self) -> None:
        """Forget everything in memory; the state is read again from its file."""
        assert self.db is not None
        self.db.close()
        self.db = None

    async def run(self, poster: object = None, **options: object) -> AnnounceReport:
        history = GitCatalogHistory(GitRepo(self.repo.root), remote=self.remote)
        return await run_announcer(
            history,
            self.store,
            poster or self.poster,
            self.clock,
            **options,  # type: ignore[arg-type]
        )

    def papers(self) -> list[Card]:
        return [card for purpose, _, card in self.poster.published if purpose == "papers"]

    def keys(self, purpose: str) -> list[str]:
        return [key for p, key, _ in self.poster.published if p == purpose]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    world = Bot(CatalogRepo(tmp_path / "catalog-repo"), tmp_path / "state" / "vadbot.sqlite3")
    yield world
    if world.db is not None:
        world.db.close()


@dataclass
class BrokenAfter:
    """A Poster whose platform goes down after `ok` confirmed posts."""

    inner: FakePoster
    ok: int
    calls: int = 0

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        self.calls += 1
        if self.calls > self.ok:
            raise ConnectionError("platform down")
        return await self.inner.publish(purpose, key, card)

    async def update(self, key: str, card: Card) -> None:
        await self.inner.update(key, card)


ALIGN = make_entry(
    "aligning-effective-tokens",
    title="Aligning Effective Tokens with Video Anomaly in Large Language Models",
    venue="ICCV",
    year=2025,
    links={"paper": "https://arxiv.org/abs/2508.06350", "code": "https://github.com/x/vaets"},
    summary="将视频异常检测任务映射为大语言模型的 token 对齐问题。",
    arxiv_id="2508.06350",
)


async def test_first_run_sets_a_baseline_and_posts_nothing(bot: Bot) -> None:
    head = bot.repo.add(make_entry("alpha"), make_entry("beta"))
    report = await bot.run()
    assert report.baseline
    assert report.remembered == 2
    assert bot.poster.published == []
    assert bot.store.cursor() == head
    again = await bot.run()
    assert (again.baseline, again.new, bot.poster.published) == (False, (), [])


async def test_new_entries_get_one_card_each_and_a_typo_fix_gets_none(bot: Bot) -> None:
    bot.repo.add(make_entry("typo-paper", summary="Detectes anomalies."))
    await bot.run()
    bot.repo.put(ALIGN)
    bot.repo.put(make_entry("second-paper"))
    bot.repo.put(make_entry("typo-paper", summary="Detects anomalies."))
    sha = bot.repo.commit("Merge pull request #7", author="Grace Hopper")
    report = await bot.run()
    assert report.new == ("aligning-effective-tokens", "second-paper")
    assert report.updated == ()
    assert bot.keys("papers") == ["entry:aligning-effective-tokens", "entry:second-paper"]
    card = bot.papers()[0]
    assert card.title == "📚 New in the list · ICCV 2025"
    assert card.body.splitlines() == [ALIGN.title, ALIGN.summary]
    assert [(link.label, link.url) for link in card.links] == [
        ("paper", "https://arxiv.org/abs/2508.06350"),
        ("code", "https://github.com/x/vaets"),
    ]
    assert card.footer == f"added by Grace Hopper in {sha[:7]}"


async def test_a_merged_pull_request_credits_the_branch_author(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.git("checkout", "-q", "-b", "pr")
    pr = bot.repo.add(make_entry("beta"), author="Grace Hopper")
    bot.repo.git("checkout", "-q", "main")
    bot.repo.add(make_entry("gamma"), author="Alan Turing")
    bot.repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #3", "pr")
    report = await bot.run()
    assert sorted(report.new) == ["beta", "gamma"]
    footers = {key: card.footer for _, key, card in bot.poster.published}
    assert footers["entry:beta"] == f"added by Grace Hopper in {pr[:7]}"
    assert footers["entry:gamma"].startswith("added by Alan Turing")


async def test_state_reopened_from_disk_announces_nothing_twice(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.add(make_entry("beta"))
    await bot.run()
    bot.restart()
    bot.poster = FakePoster()  # a fresh process: the poster remembers nothing either
    report = await bot.run()
    assert (report.baseline, report.new, bot.poster.published) == (False, (), [])
    bot.repo.add(make_entry("gamma"))
    bot.restart()
    assert (await bot.run()).new == ("gamma",)
    assert bot.keys("papers") == ["entry:gamma"]


async def test_cursor_stays_until_posts_are_confirmed_and_the_retry_posts_the_rest(
    bot: Bot,
) -> None:
    base = bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.add(make_entry("beta"), make_entry("gamma"))
    flaky = BrokenAfter(bot.poster, ok=1)
    with pytest.raises(ConnectionError):
        await bot.run(poster=flaky)
    assert bot.store.cursor() == base
    assert bot.keys("papers") == ["entry:beta"]
    report = await bot.run()
    assert report.new == ("gamma",)
    assert bot.keys("papers") == ["entry:beta", "entry:gamma"]
    assert bot.store.cursor() == bot.repo.git("rev-parse", "HEAD")


async def test_a_renamed_id_of_a_known_paper_is_not_new(bot: Bot) -> None:
    bot.repo.add(
        ALIGN, make_entry("holmes", title="Holmes-VAU: Long-term VAU", arxiv_id="2412.06171")
    )
    await bot.run()
    bot.repo.remove("papers/2025/aligning-effective-tokens.yaml")
    bot.repo.put(
        make_entry(
            "vaets",
            title="Aligning effective tokens with video anomaly in LLMs",
            arxiv_id="2508.06350",
        )
    )
    bot.repo.remove("papers/2025/holmes.yaml")
    bot.repo.put(make_entry("holmes-vau", title="Holmes-VAU: long-term VAU!"))
    bot.repo.commit("Rename ids")
    report = await bot.run()
    assert report.new == ()
    assert bot.poster.published == []


async def test_a_known_paper_given_its_short_name_under_a_new_id_is_not_new(bot: Bot) -> None:
    title = "Harnessing Large Language Models for Training-free Video Anomaly Detection"
    bot.repo.add(make_entry("harnessing-llms", title=title))
    await bot.run()
    bot.repo.remove("papers/2025/harnessing-llms.yaml")
    bot.repo.put(make_entry("lavad", title=f"{title} (LAVAD)"))
    bot.repo.commit("Name LAVAD as the list does")
    report = await bot.run()
    assert report.new == ()
    assert bot.poster.published == []


async def test_a_broken_commit_warns_maintainers_once_and_the_fix_is_announced(
    bot: Bot,
) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.write("papers/2025/beta.yaml", "id: beta\ntitle: [oops\n")
    broke = bot.repo.commit("Add beta", author="Grace Hopper")
    bot.repo.add(make_entry("gamma"))
    report = await bot.run()
    assert report.broken == (broke,)
    assert report.new == ("gamma",)
    assert bot.keys("admin") == [f"broken:{broke}"]
    [(_, _, warning)] = [p for p in bot.poster.published if p[0] == "admin"]
    assert "beta.yaml" in warning.body
    assert broke[:7] in warning.title
    bot.restart()
    bot.repo.write("papers/2025/beta.yaml", "id: beta\ntitle: [still oops\n")
    bot.repo.commit("try again")
    assert (await bot.run()).broken == ()
    bot.repo.put(make_entry("beta"))
    fix = bot.repo.commit("Fix beta", author="Alan Turing")
    report = await bot.run()
    assert report.new == ("beta",)
    assert bot.papers()[-1].footer == f"added by Alan Turing in {fix[:7]}"
    assert bot.keys("admin") == [f"broken:{broke}"]


async def test_a_force_push_falls_back_to_announced_ids_without_repeats(bot: Bot) -> None:
    first = bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.add(make_entry("beta"))
    await bot.run()
    bot.repo.git("reset", "-q", "--hard", first)
    bot.repo.add(make_entry("beta"), make_entry("gamma"), message="Re-add beta with gamma")
    bot.repo.git("reflog", "expire", "--expire=now", "--all")
    bot.repo.git("gc", "-q", "--prune=now")
    report = await bot.run()
    assert report.rewritten
    assert report.new == ("gamma",)
    assert bot.keys("papers") == ["entry:beta", "entry:gamma"]
    assert bot.store.cursor() == bot.repo.git("rev-parse", "HEAD")


async def test_uncommitted_and_staged_edits_are_never_announced(bot: Bot) -> None:
    head = bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.put(make_entry("draft"))
    bot.repo.git("add", "-A")
    bot.repo.put(make_entry("alpha", venue="ICCV"))
    report = await bot.run()
    assert (report.new, report.updated, bot.poster.published) == ((), (), [])
    assert bot.store.cursor() == head


async def test_updates_worth_telling_get_an_update_card(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha", venue="arXiv", year=2024), make_entry("beta"))
    await bot.run()
    bot.repo.put(make_entry("alpha", venue="ICCV", year=2024))
    bot.repo.put(make_entry("beta", links={"paper": "https://p.org/b", "code": "https://c.org/b"}))
    sha = bot.repo.commit("Venue and code", author="Grace Hopper")
    report = await bot.run()
    assert report.updated == ("alpha", "beta")
    cards = {key: card for _, key, card in bot.poster.published}
    alpha = cards[f"update:alpha:{sha}"]
    assert alpha.title == "✏️ Updated in the list · ICCV 2024"
    assert alpha.body.splitlines()[1] == f"{make_entry('alpha').title} is now ICCV 2024"
    assert "code link added" in cards[f"update:beta:{sha}"].body
    assert alpha.footer == f"updated by Grace Hopper in {sha[:7]}"


async def test_which_updates_are_told_is_configurable(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.put(make_entry("alpha", summary="A better summary."))
    bot.repo.commit("Summary")
    assert (await bot.run(announce_updates=("links.code",))).updated == ()
    bot.repo.put(make_entry("alpha", summary="An even better summary."))
    bot.repo.commit("Summary again")
    assert (await bot.run(announce_updates=("summary",))).updated == ("alpha",)


async def test_an_entry_added_then_removed_between_runs_is_not_announced(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.add(make_entry("oops"))
    bot.repo.remove("papers/2025/oops.yaml")
    bot.repo.commit("Remove oops")
    assert (await bot.run()).new == ()


async def test_origin_is_named_on_the_card(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.add(make_entry("beta"))

    def origin(entry: Entry) -> str | None:
        return "from candidate #12" if entry.id == "beta" else None

    await bot.run(origin=origin)
    assert bot.papers()[0].footer.endswith("· from candidate #12")


# ---------------------------------------------------------------------------- remotes


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    return bare


async def test_a_remote_catalog_is_fetched_before_announcing(tmp_path: Path, remote: Path) -> None:
    author = CatalogRepo.clone(remote, tmp_path / "author")
    author.add(make_entry("alpha"))
    author.git("push", "-q", "origin", "main")
    bot = Bot(
        CatalogRepo.clone(remote, tmp_path / "bot"), tmp_path / "state.sqlite3", remote="origin"
    )
    await bot.run()
    author.add(make_entry("beta"))
    author.git("push", "-q", "origin", "main")
    assert (await bot.run()).new == ("beta",)
    assert bot.db is not None
    bot.db.close()


async def test_a_failing_fetch_is_reported_once_and_retried(tmp_path: Path, remote: Path) -> None:
    author = CatalogRepo.clone(remote, tmp_path / "author")
    author.add(make_entry("alpha"))
    author.git("push", "-q", "origin", "main")
    bot = Bot(
        CatalogRepo.clone(remote, tmp_path / "bot"), tmp_path / "state.sqlite3", remote="origin"
    )
    await bot.run()
    moved = tmp_path / "moved.git"
    remote.rename(moved)
    author.add(make_entry("beta"))
    author.git("push", "-q", str(moved), "main")
    first = await bot.run()
    bot.clock.advance(minutes=10)
    second = await bot.run()
    assert first.fetch_error
    assert second.fetch_error
    assert len(bot.keys("admin")) == 1
    assert bot.papers() == []
    moved.rename(remote)
    report = await bot.run()
    assert (report.fetch_error, report.new) == (None, ("beta",))
    assert len(bot.keys("admin")) == 2  # the failure, then the recovery
    assert bot.db is not None
    bot.db.close()


async def test_an_approved_entry_credits_the_maintainer_not_the_bot(bot: Bot) -> None:
    bot.repo.add(make_entry("alpha"))
    await bot.run()
    bot.repo.put(make_entry("beta"))
    message = "Add Beta (arXiv 2501.01234)\n\nApproved in chat.\n\n"
    sha = bot.repo.commit(message + "Approved-by: Ana Silva (Slack)\nCandidate: #3", "vadbot")
    await bot.run()
    assert bot.papers()[-1].footer == f"approved by Ana Silva (Slack) in {sha[:7]}"
