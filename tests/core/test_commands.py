import dataclasses

from bot.core.commands import (
    GENERIC_ERROR,
    build_router,
    parse_command_text,
    search_completions,
    split_share,
)
from bot.core.models import Card, Entry, Reply, Request
from bot.core.search.engine import SearchIndex
from bot.errors import UserError

VERA = Entry(
    "vera",
    "paper",
    "VERA: Explainable Video Anomaly Detection via Verbalized Learning",
    "CVPR",
    2025,
    {"paper": "https://example.org/vera"},
)


def request(command: str, text: str = "") -> Request:
    return Request("slack", "U1", "C1", command, text)


async def test_search_answers_privately_unless_shared() -> None:
    router = build_router(SearchIndex([VERA]))
    private = await router.dispatch(request("search", "vera"))
    assert private.ephemeral
    assert private.cards[0].items[0].title.startswith("VERA")
    shared = await router.dispatch(request("search", "share vera"))
    assert not shared.ephemeral
    assert shared.cards[0].items[0].title.startswith("VERA")


async def test_unknown_subcommand_lists_what_exists() -> None:
    reply = await build_router(SearchIndex([])).dispatch(request("serch", "x"))
    assert "Unknown subcommand 'serch'" in reply.text
    assert "help, search" in reply.text


async def test_help_lists_later_registered_commands() -> None:
    router = build_router(SearchIndex([]))

    async def digest(_: Request) -> Reply:
        return Reply(text="digest")

    router.register("digest", digest, "the weekly digest now", "/vad digest")
    body = (await router.dispatch(request("help"))).cards[0].body
    assert "/vad search" in body
    assert "e.g. /vad digest" in body


async def test_user_error_shown_other_errors_hidden() -> None:
    router = build_router(SearchIndex([]))

    async def bad_input(_: Request) -> Reply:
        raise UserError("That is not an arXiv id: 'xyz'")

    async def crash(_: Request) -> Reply:
        raise RuntimeError("secret token xoxb-123 leaked")

    router.register("suggest", bad_input, "s", "e")
    router.register("digest", crash, "d", "e")
    assert (await router.dispatch(request("suggest"))).text == "That is not an arXiv id: 'xyz'"
    assert (await router.dispatch(request("digest"))).text == GENERIC_ERROR
    assert "What should I look for" in (await router.dispatch(request("search"))).text


def test_parse_command_text() -> None:
    assert parse_command_text("Search  venue:CVPR vera") == ("search", "venue:CVPR vera")
    assert parse_command_text("  ") == ("help", "")
    assert split_share("share vera") == ("vera", True)
    assert split_share("shared memory") == ("shared memory", False)


def test_search_completions_offer_short_names() -> None:
    index = SearchIndex([dataclasses.replace(VERA, short_name="VERA")])
    assert search_completions(index, "ver") == ["VERA"]
    assert search_completions(index, "v") == []


async def test_a_command_that_raises_is_answered_politely_and_alerted_once() -> None:
    alerts: list[tuple[str, str]] = []

    async def alert(key: str, card: Card) -> None:
        alerts.append((key, card.title))

    router = build_router(SearchIndex([]), alert=alert)

    async def broken(request: Request) -> Reply:
        raise OSError(36, "File name too long: /srv/catalog/secret-path")

    router.register("broken", broken, "fails", "/vad broken")
    for _ in range(2):
        reply = await router.dispatch(request("broken", "x"))
        assert reply.text == GENERIC_ERROR
    assert [key for key, _ in alerts] == ["command-failed:broken:OSError"] * 2
    assert "secret-path" not in str(alerts)
