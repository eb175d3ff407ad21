from bot.core.candidates.lifecycle import build_candidate_card, format_tally
from bot.core.commands import build_help_card
from bot.core.models import Candidate, Match, Paper, Tally


def candidate(**paper: object) -> Candidate:
    base: dict[str, object] = {
        "arxiv_id": "2611.01234",
        "title": "Reasoning About Rare Events",
        "abstract": "We propose " + "a method " * 80,
        "authors": ("A. Author", "B. Author", "C. Author", "D", "E", "F", "G"),
        "categories": ("cs.CV",),
        "abs_url": "https://arxiv.org/abs/2611.01234",
        "pdf_url": "https://arxiv.org/pdf/2611.01234",
        "code_url": "https://github.com/lab/rare",
    }
    base.update(paper)
    return Candidate(1, Paper(**base), Match(0.91, ("video anomaly", "multimodal LLM")))  # type: ignore[arg-type]


def test_candidate_card_carries_what_a_voter_needs() -> None:
    card = build_candidate_card(candidate())
    assert card.body.startswith("🆕 Candidate · arXiv 2611.01234 · cs.CV\n")
    assert "A. Author, B. Author, C. Author (+4)" in card.body
    assert "matched: video anomaly · multimodal LLM" in card.body
    assert "relevance 0.91" in card.body
    assert [link.label for link in card.links] == ["abs", "pdf", "code"]
    assert card.reactions == ("👍", "👎", "✅", "❌")
    assert card.footer.startswith("React 👍 / 👎 to vote")


def test_candidate_abstract_is_cut_near_300_characters() -> None:
    body = build_candidate_card(candidate()).body
    abstract = body.splitlines()[2]
    assert abstract.endswith("…")
    assert 250 < len(abstract) <= 305


def test_tally_and_decision_replace_the_hint() -> None:
    tally = Tally(4, 1, {"discord": 3, "slack": 2})
    assert build_candidate_card(candidate(), tally).footer == "👍 4 · 👎 1 (Discord 3, Slack 2)"
    decided = build_candidate_card(candidate(), tally, decision="✅ Added to the list")
    assert decided.footer == "✅ Added to the list"
    assert decided.reactions == ()
    assert format_tally(Tally(1, 0)) == "👍 1 · 👎 0"


def test_missing_code_link_is_left_out() -> None:
    card = build_candidate_card(candidate(code_url=None))
    assert [link.label for link in card.links] == ["abs", "pdf"]


def test_help_card_lists_every_command_with_an_example() -> None:
    card = build_help_card([("search", "find", "/vad search vera"), ("help", "this", "/vad help")])
    assert "/vad search — find" in card.body
    assert "e.g. /vad search vera" in card.body
    assert "e.g. /vad help" in card.body
