"""The three renderers: limits are kept by trimming, untrusted text stays inert."""

import json

from bot.adapters import console
from bot.adapters.discord import adapter as discord_render
from bot.adapters.slack import adapter as slack_render
from bot.core.models import Card, CardField, Link, Reply

HOSTILE = (
    "@everyone <!channel> <!here> <!subteam^S1> <@U123> <@&42> <#99> <http://evil.example|click>"
)


def test_discord_neutralises_mentions_and_links() -> None:
    card = Card(title=HOSTILE, body=HOSTILE + " http://evil.example **bold**", footer="f")
    payload = discord_render.render_card(card)
    embed = payload["embeds"][0]
    assert payload["allowed_mentions"]["parse"] == []
    text = embed["title"] + embed["description"]
    assert "@everyone" not in text
    assert "<@U123>" not in text
    assert "<@&42>" not in text
    assert "<#99>" not in text
    assert "http://evil" not in text
    assert "\\*\\*bold\\*\\*" in embed["description"]


def test_discord_only_card_links_link() -> None:
    card = Card(
        title="T", url="https://arxiv.org/abs/1", links=(Link("code", "https://g.it/a(b)"),)
    )
    embed = discord_render.render_card(card)["embeds"][0]
    assert embed["url"] == "https://arxiv.org/abs/1"
    assert embed["description"] == "[code](https://g.it/a%28b%29)"
    assert "javascript" not in json.dumps(
        discord_render.render_card(Card("T", links=(Link("x", "javascript:alert(1)"),)))
    )


def test_discord_limits_are_kept_by_trimming() -> None:
    fields = tuple(CardField("n" * 300, "v" * 2000) for _ in range(40))
    card = Card(title="t" * 1000, body="b" * 10000, fields=fields, footer="f" * 3000)
    embed = discord_render.render_card(card)["embeds"][0]
    assert len(embed["title"]) == 256
    assert embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert discord_render.embed_length(embed) <= 6000


def test_slack_escapes_so_nothing_pings_or_links() -> None:
    card = Card(title=HOSTILE, body=HOSTILE, footer=HOSTILE, fields=(CardField(HOSTILE, HOSTILE),))
    payload = slack_render.render_card(card)
    text = json.dumps(payload, ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<!subteam", "<@U123>", "<http://evil"):
        assert raw not in text
    assert "&lt;!channel&gt;" in payload["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt;" in payload["text"]


def test_slack_links_only_from_card_links() -> None:
    card = Card(
        title="A & B", url="https://x.org/?a=1&b=2", links=(Link("pdf", "https://x.org/p"),)
    )
    blocks = slack_render.render_card(card)["blocks"]
    assert blocks[0]["text"]["text"] == "*<https://x.org/?a=1&amp;b=2|A &amp; B>*"
    assert blocks[-1]["text"]["text"] == "<https://x.org/p|pdf>"


def test_slack_limits_are_kept_by_trimming() -> None:
    items = tuple(Card(title=f"item {i}") for i in range(80))
    card = Card(title="t", body="b" * 5000, items=items, fields=(CardField("a", "b"),) * 15)
    blocks = slack_render.render_card(card)["blocks"]
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "context"
    assert len(blocks[1]["text"]["text"]) == 3000
    assert blocks[1]["text"]["text"].endswith("…")


def test_slack_emoji_names_round_trip() -> None:
    assert slack_render.emoji_name("👍") == "+1"
    assert slack_render.parse_emoji("+1::skin-tone-3") == "👍"
    assert slack_render.parse_emoji("thumbsup") == "👍"
    assert slack_render.parse_emoji("white_check_mark") == "✅"


def test_console_shows_everything_of_a_card() -> None:
    card = Card(
        title="Search",
        items=(Card("VERA", body="CVPR · 2025", links=(Link("paper", "https://p"),)),),
        footer="1 more",
        reactions=("👍",),
    )
    text = console.render_reply(Reply(text="hello", cards=(card,)))
    assert text.splitlines() == [
        "hello",
        "",
        "Search",
        "1. VERA — CVPR · 2025 · paper <https://p>",
        "1 more",
        "[👍]",
    ]


def test_discord_line_starts_cannot_become_headings_or_lists() -> None:
    text = discord_render.escape("# Big\n- item\n12. numbered")
    assert text == "\\# Big\n\\- item\n12\\. numbered"


def _mrkdwn_objects(node: object) -> list[dict[str, object]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [o for v in node.values() for o in _mrkdwn_objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _mrkdwn_objects(v)]
    return []


def test_slack_text_cannot_style_itself_or_autolink() -> None:
    title = "*Free* ~GPUs~ `now` _today_ at www.evil.example #general"
    card = Card(title=title, body=title, footer=title, fields=(CardField(title, title),))
    payload = slack_render.render_card(card)
    body = payload["blocks"][1]["text"]["text"]
    # every styling character is fenced by zero-width spaces, so none opens or closes a style
    assert body.count("\u200b*\u200b") == 2
    for mark in "_~`":
        assert f"\u200b{mark}\u200b" in body
    assert body.replace("\u200b", "") == title  # and the person still reads the same text
    objects = _mrkdwn_objects(payload["blocks"])
    assert objects
    assert all(o["verbatim"] is True for o in objects)  # no auto-linked domain or #channel
