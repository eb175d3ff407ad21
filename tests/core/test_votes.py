"""What a reaction means and how votes add up across platforms."""

from __future__ import annotations

import pytest

from bot.core.candidates.lifecycle import format_tally
from bot.core.candidates.reactions import (
    Decision,
    VoteReaction,
    VoteRules,
    build_tally,
    build_vote_rules,
    describe_decision,
    is_auto_approved,
    normalise_emoji,
    read_reaction,
)
from bot.core.models import ReactionEvent, Tally
from bot.settings import load_settings

CONFIG = {
    "VADBOT_DISCORD__MAINTAINER_USERS": '["111"]',
    "VADBOT_DISCORD__MAINTAINER_ROLES": '["role-maint"]',
    "VADBOT_SLACK__MAINTAINER_USERS": '["UMAINT"]',
    "VADBOT_SLACK__MAINTAINER_GROUPS": '["SGROUP"]',
    "VADBOT_VOTES__PEOPLE": '[{"name": "ana", "slack": "UANA", "discord": "222"}]',
}


@pytest.fixture
def rules() -> VoteRules:
    return build_vote_rules(load_settings(None, CONFIG), bot_users=[("discord", "BOT")])


def event(platform: str, user: str, emoji: str, roles: tuple[str, ...] = ()) -> ReactionEvent:
    return ReactionEvent(platform, "C1", "M1", user, emoji, added=True, roles=roles)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1", "👍"),
        (":thumbsup:", "👍"),
        ("+1::skin-tone-4", "👍"),
        ("👍🏽", "👍"),
        ("-1", "👎"),
        ("thumbsdown", "👎"),
        ("white_check_mark", "✅"),
        ("x", "❌"),
        ("❤️", "❤"),
        ("rocket", "rocket"),
    ],
)
def test_slack_names_and_discord_unicode_mean_the_same_emoji(raw: str, expected: str) -> None:
    assert normalise_emoji(raw) == expected


def test_members_vote_with_thumbs_on_either_platform(rules: VoteRules) -> None:
    assert read_reaction(event("slack", "U1", "+1"), rules) == "up"
    assert read_reaction(event("discord", "5", "👎"), rules) == "down"
    assert read_reaction(event("discord", "5", "🎉"), rules) is None


def test_only_maintainers_decide_and_others_checkmarks_are_not_votes(rules: VoteRules) -> None:
    assert read_reaction(event("discord", "111", "✅"), rules) == "approve"
    assert read_reaction(event("discord", "9", "❌", roles=("role-maint",)), rules) == "reject"
    assert read_reaction(event("slack", "UMAINT", "white_check_mark"), rules) == "approve"
    assert read_reaction(event("slack", "U9", "x", roles=("SGROUP",)), rules) == "reject"
    assert read_reaction(event("slack", "U1", "white_check_mark"), rules) is None
    assert read_reaction(event("discord", "5", "✅", roles=("other",)), rules) is None
    # a Slack maintainer's id means nothing on Discord
    assert read_reaction(event("discord", "UMAINT", "✅"), rules) is None


def test_the_bots_own_reactions_mean_nothing(rules: VoteRules) -> None:
    assert read_reaction(event("discord", "BOT", "👍"), rules) is None
    tally = build_tally([VoteReaction("discord", "BOT", "👍")], rules)
    assert tally == Tally()


def test_votes_from_both_platforms_are_summed_per_platform(rules: VoteRules) -> None:
    tally = build_tally(
        [
            VoteReaction("discord", "1", "👍"),
            VoteReaction("discord", "2", "👍"),
            VoteReaction("discord", "3", "👎"),
            VoteReaction("slack", "U1", "+1"),
            VoteReaction("slack", "U2", "thumbsup"),
            VoteReaction("slack", "U3", "rocket"),
        ],
        rules,
    )
    assert (tally.up, tally.down, tally.net) == (4, 1, 3)
    assert dict(tally.by_platform) == {"discord": 3, "slack": 2}
    assert format_tally(tally) == "👍 4 · 👎 1 (Discord 3, Slack 2)"


def test_one_person_counts_once_across_posts_and_linked_platforms(rules: VoteRules) -> None:
    tally = build_tally(
        [
            VoteReaction("discord", "7", "👍"),  # the same user on two posts of one candidate
            VoteReaction("discord", "7", "👍"),
            VoteReaction("slack", "UANA", "+1"),  # ana, linked …
            VoteReaction("discord", "222", "👍"),  # … votes on both platforms
            VoteReaction("slack", "U8", "+1"),  # unlinked: a different person on each side
            VoteReaction("discord", "U8", "👍"),
        ],
        rules,
    )
    assert (tally.up, tally.down) == (4, 0)
    assert dict(tally.by_platform) == {"discord": 3, "slack": 1}


def test_a_person_with_both_thumbs_counts_with_the_later_one(rules: VoteRules) -> None:
    tally = build_tally(
        [VoteReaction("slack", "U1", "+1"), VoteReaction("slack", "U1", "-1")], rules
    )
    assert (tally.up, tally.down) == (0, 1)


def test_auto_approve_is_off_unless_configured(rules: VoteRules) -> None:
    many = Tally(up=50)
    assert not is_auto_approved(many, rules)
    on = build_vote_rules(load_settings(None, {"VADBOT_VOTES__AUTO_APPROVE_AT": "3"}))
    assert is_auto_approved(Tally(up=4, down=1), on)
    assert not is_auto_approved(Tally(up=4, down=2), on)


def test_configured_slack_names_work_for_discord_too() -> None:
    rules = build_vote_rules(load_settings(None, {"VADBOT_VOTES__UP": "[thumbsup]"}))
    assert read_reaction(event("discord", "5", "👍"), rules) == "up"


def test_decision_lines_say_who_on_which_platform_and_the_commit() -> None:
    added = Decision("approved", "maintainer", "slack", "3f2a9c1d00", "catalog/papers/2025/x.yaml")
    assert describe_decision(added) == (
        "✅ Added to the list by @maintainer (Slack) · commit 3f2a9c1 · catalog/papers/2025/x.yaml"
    )
    assert (
        describe_decision(Decision("rejected", "bo", "discord")) == "❌ Rejected by @bo (Discord)"
    )
