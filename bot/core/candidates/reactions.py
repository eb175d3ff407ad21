"""Votes and decisions: what a reaction on a candidate's post means, and how votes add up.

Pure rules, no I/O. A reaction is a member's vote (👍/👎), a maintainer's decision (✅/❌), or
nothing. Emoji arrive as Discord unicode or Slack names (`+1`, `thumbsup`, `white_check_mark`…)
and are normalised first, so one setting covers both platforms. People are counted per platform
unless `votes.people` links a Slack id and a Discord id into one person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.core.models import ReactionEvent, Tally

if TYPE_CHECKING:  # only read here; core does not load settings (they pull in YAML)
    from bot.settings import Settings

Meaning = Literal["up", "down", "approve", "reject"]
DecisionStatus = Literal["approved", "rejected"]

SLACK_NAMES: Mapping[str, str] = {
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔",
    "x": "❌",
    "negative_squared_cross_mark": "❎",
}
"""Slack's short names for the emoji vadbot uses by default; others pass through unchanged."""

_VARIATION = frozenset("\ufe0e\ufe0f")
_SKIN_TONES = range(0x1F3FB, 0x1F400)
PLATFORM_NAMES: Mapping[str, str] = {"discord": "Discord", "slack": "Slack", "console": "Console"}


def normalise_emoji(name: str) -> str:
    """One spelling per emoji: Slack names → unicode, skin tones and variation selectors dropped."""
    text = name.strip()
    if text.startswith(":") and text.endswith(":") and len(text) > 2:
        text = text[1:-1]
    text = text.split("::", 1)[0]  # Slack skin tones: "+1::skin-tone-3"
    text = SLACK_NAMES.get(text.lower(), text)
    return "".join(ch for ch in text if ch not in _VARIATION and ord(ch) not in _SKIN_TONES)


def platform_name(platform: str) -> str:
    """A platform as people write it ("slack" → "Slack")."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


# ---------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Maintainers:
    """Who decides on one platform: user ids, and role (Discord) or user-group (Slack) ids."""

    users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VoteRules:
    """Everything needed to read a reaction: emoji meanings, maintainers, linked people."""

    up: frozenset[str] = frozenset({"👍"})
    down: frozenset[str] = frozenset({"👎"})
    approve: frozenset[str] = frozenset({"✅"})
    reject: frozenset[str] = frozenset({"❌"})
    maintainers: Mapping[str, Maintainers] = field(default_factory=dict)
    people: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(platform, user id) → the person's name, for people linked across platforms."""
    bot_users: frozenset[tuple[str, str]] = frozenset()
    """(platform, user id) of the bot itself: its own reactions never count."""
    auto_approve_at: int | None = None


def build_vote_rules(settings: Settings, bot_users: Iterable[tuple[str, str]] = ()) -> VoteRules:
    """The vote rules from the settings (emoji normalised so Slack names work in config)."""
    votes = settings.votes
    people: dict[tuple[str, str], str] = {}
    for person in votes.people:
        name = person.name or person.slack or person.discord
        for platform, user in (("slack", person.slack), ("discord", person.discord)):
            if user:
                people[(platform, user)] = name
    maintainers = {
        "discord": Maintainers(
            frozenset(settings.discord.maintainer_users),
            frozenset(settings.discord.maintainer_roles),
        ),
        "slack": Maintainers(
            frozenset(settings.slack.maintainer_users),
            frozenset(settings.slack.maintainer_groups),
        ),
    }
    return VoteRules(
        up=_emoji_set(votes.up),
        down=_emoji_set(votes.down),
        approve=_emoji_set(votes.approve),
        reject=_emoji_set(votes.reject),
        maintainers=maintainers,
        people=people,
        bot_users=frozenset(bot_users),
        auto_approve_at=votes.auto_approve_at,
    )


def _emoji_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_emoji(n) for n in names)


def is_maintainer(rules: VoteRules, platform: str, user_id: str, roles: Iterable[str]) -> bool:
    """True when this user may approve or reject on this platform."""
    allowed = rules.maintainers.get(platform)
    if allowed is None:
        return False
    return user_id in allowed.users or not allowed.roles.isdisjoint(roles)


def person_of(rules: VoteRules, platform: str, user_id: str) -> str:
    """The key a person's votes are counted under: linked name, else platform and user id."""
    name = rules.people.get((platform, user_id))
    return f"person:{name}" if name else f"{platform}:{user_id}"


def display_name(rules: VoteRules, platform: str, user_id: str, user_name: str = "") -> str:
    """How a decider is named in chat and in the commit trailer."""
    return rules.people.get((platform, user_id)) or user_name or user_id


def read_reaction(event: ReactionEvent, rules: VoteRules) -> Meaning | None:
    """What a reaction means: a vote, a maintainer's decision, or nothing (None)."""
    if (event.platform, event.user_id) in rules.bot_users:
        return None
    emoji = normalise_emoji(event.emoji)
    if emoji in rules.approve or emoji in rules.reject:
        if not is_maintainer(rules, event.platform, event.user_id, event.roles):
            return None  # anyone else's ✅ is not a vote either
        return "approve" if emoji in rules.approve else "reject"
    if emoji in rules.up:
        return "up"
    if emoji in rules.down:
        return "down"
    return None


# ---------------------------------------------------------------------------- tally


@dataclass(frozen=True, slots=True)
class VoteReaction:
    """A vote reaction still present on one of a candidate's posts."""

    platform: str
    user_id: str
    emoji: str


def build_tally(reactions: Iterable[VoteReaction], rules: VoteRules) -> Tally:
    """Votes summed over every post of a candidate: one vote per person, the latest one.

    `reactions` come oldest first; a person with 👍 on Discord and 👍 on Slack counts once, and
    one who left both 👍 and 👎 counts with the later one.
    """
    latest: dict[str, tuple[str, int]] = {}
    for reaction in reactions:
        if (reaction.platform, reaction.user_id) in rules.bot_users:
            continue
        emoji = normalise_emoji(reaction.emoji)
        value = 1 if emoji in rules.up else -1 if emoji in rules.down else 0
        if value:
            person = person_of(rules, reaction.platform, reaction.user_id)
            latest.pop(person, None)  # re-insert so the platform follows the latest vote
            latest[person] = (reaction.platform, value)
    by_platform: dict[str, int] = {}
    for platform, _ in latest.values():
        by_platform[platform] = by_platform.get(platform, 0) + 1
    up = sum(1 for _, value in latest.values() if value > 0)
    return Tally(up=up, down=len(latest) - up, by_platform=dict(sorted(by_platform.items())))


def is_auto_approved(tally: Tally, rules: VoteRules) -> bool:
    """True when auto-approval is on and the net votes reached it."""
    return rules.auto_approve_at is not None and tally.net >= rules.auto_approve_at


# ---------------------------------------------------------------------------- decision


@dataclass(frozen=True, slots=True)
class Decision:
    """A maintainer's decision on a candidate, as the posts show it."""

    status: DecisionStatus
    by: str
    platform: str
    commit: str | None = None
    path: str | None = None
    note: str = ""
    """Something the maintainers should know, e.g. that the push is still to do."""
    auto: bool = False
    """Approved by reaching `votes.auto_approve_at`, not by a maintainer."""
    proposal: str = ""
    """Pull-request mode: where the entry is ("proposed in PR #12 <url>"), said instead of the
    commit: the entry is in the list only once a person merges the PR."""


def describe_decision(decision: Decision) -> str:
    """`✅ Added to the list by @ana (Slack) · commit 3f2a9c1 · catalog/papers/2025/x.yaml`."""
    who = (
        "votes (auto-approve)"
        if decision.auto
        else f"@{decision.by} ({platform_name(decision.platform)})"
    )
    if decision.status == "rejected":
        return f"❌ Rejected by {who}"
    if decision.proposal:
        return " · ".join(
            p for p in (f"✅ Approved by {who}", decision.proposal, decision.note) if p
        )
    parts = [f"✅ Added to the list by {who}"]
    if decision.commit:
        parts.append(f"commit {decision.commit[:7]}")
    if decision.path:
        parts.append(decision.path)
    if decision.note:
        parts.append(decision.note)
    return " · ".join(parts)
