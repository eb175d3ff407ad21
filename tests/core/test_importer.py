"""The importer on the lab's seed list: every entry placed, with the right fields."""

from collections import Counter
from pathlib import Path

import pytest

from bot.core.catalog.drafts import short_name
from bot.core.catalog.importer import ImportResult, parse_awesome_list
from bot.core.models import Entry

SEED = Path(__file__).resolve().parents[1] / "data" / "awesome-llm4vad.md"


@pytest.fixture(scope="module")
def seed() -> ImportResult:
    return parse_awesome_list(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def by_id(seed: ImportResult) -> dict[str, Entry]:
    return {e.id: e for e in seed.entries}


def test_seed_imports_30_papers_12_datasets_3_background_without_problems(
    seed: ImportResult,
) -> None:
    assert Counter(e.kind for e in seed.entries) == {"paper": 30, "dataset": 12, "background": 3}
    assert seed.problems == []
    assert seed.title == "Awesome LLM4VAD"
    assert seed.intro.startswith("A curated list of papers and resources")


def test_ids_are_unique_short_names_or_title_slugs(by_id: dict[str, Entry]) -> None:
    for expected in ("vera", "holmes-vau", "holmes-vad", "lavad", "anomalyruler", "vad-r1", "msad"):
        assert expected in by_id
    assert by_id["lavad"].short_name == "LAVAD"
    assert by_id["holmes-vau"].short_name == "Holmes-VAU"
    assert "language-guided-open-world-video-anomaly" in by_id
    assert by_id["aha-predicting-what-matters-next-online"].short_name is None


def test_venue_badge_pdf_badge_and_code_badge(by_id: dict[str, Entry]) -> None:
    ex_vad = by_id["ex-vad"]
    assert (ex_vad.venue, ex_vad.year) == ("ICML", 2025)
    assert ex_vad.links == {
        "paper": "https://openreview.net/forum?id=xAhUoyb5eU",
        "pdf": "https://raw.githubusercontent.com/mlresearch/v267/main/assets/huang25ad/huang25ad.pdf",
    }
    vera = by_id["vera"]
    assert vera.links["code"] == "https://github.com/vera-framework/VERA"
    assert vera.preview == "./assets/2025-cvpr-vera.png"
    assert vera.summary.startswith('将异常判决转化为"口头推理"任务')


def test_arxiv_ids_come_from_badges_and_arxiv_urls(by_id: dict[str, Entry]) -> None:
    assert by_id["vadclip"].arxiv_id == "2308.11681"
    assert by_id["vadclip"].links["arxiv"] == "https://arxiv.org/abs/2308.11681"
    assert by_id["aligning-effective-tokens-with-video-anomaly"].arxiv_id == "2508.06350"
    assert by_id["video-anomaly-detection-and-explanation-via"].arxiv_id == "2401.05702"
    assert by_id["hawk"].arxiv_id == "2405.16886"
    assert by_id["weakly-supervised-video-anomaly-detection-and"].arxiv_id == "2408.05905"
    assert by_id["eventvad"].arxiv_id == "2504.13092"
    assert by_id["text-prompt-with-normality-guidance-for"].arxiv_id == "2404.08531"
    assert by_id["msad"].arxiv_id == "2402.04857"


def test_empty_badge_links_give_no_link_but_keep_venue_and_year(by_id: dict[str, Entry]) -> None:
    sage = by_id["sage"]
    assert (sage.venue, sage.year, dict(sage.links)) == ("ACM MM", 2025, {})
    avad = by_id["avadclip"]
    assert (avad.venue, avad.year, dict(avad.links)) == ("arXiv", 2025, {})
    assert by_id["video-anomaly-detection-and-explanation-via"].venue == "ICCV"


def test_paper_after_a_break_with_a_bare_url(by_id: dict[str, Entry]) -> None:
    aha = by_id["aha-predicting-what-matters-next-online"]
    assert aha.kind == "paper"
    assert aha.title == (
        "Aha! - Predicting What Matters Next: Online Highlight Detection Without Looking Ahead"
    )
    assert (aha.venue, aha.year) == ("NeurIPS", 2025)
    assert aha.links == {"paper": "https://neurips.cc/virtual/2025/poster/119707"}


def test_background_entries_keep_their_chinese_note(by_id: dict[str, Entry]) -> None:
    humans = by_id["humans-monitor-learning-progress-in-curiosity"]
    assert humans.kind == "background"
    assert (humans.venue, humans.year) == ("Nature Communications", 2021)
    assert humans.summary.startswith("发现人类在探索中会")
    icml = by_id["curiosity-driven-exploration-by-self-supervised"]
    assert (icml.venue, icml.year, icml.note) == ("ICML", 2017, "PMLR v70")
    assert by_id["computational-mechanisms-of-curiosity-and-goal"].year == 2019


def test_datasets_in_every_form(by_id: dict[str, Entry]) -> None:
    datasets = {e.title: e for e in by_id.values() if e.kind == "dataset"}
    for name in ("NWPU-Campus", "Ubnormal", "TAD", "X-Man", "XD-Violence"):
        assert datasets[name].links == {}
        assert datasets[name].summary == ""
    honda = datasets["Driving Anomaly Detection Honda Research Institute"]
    assert honda.links == {"project": "https://usa.honda-ri.com/hdd#Videos"}
    assert datasets["UCF-Crime"].summary.startswith("Real-world surveillance anomaly dataset")
    msad = by_id["msad"]
    assert (msad.venue, msad.year) == ("NeurIPS", 2024)
    assert msad.links["project"] == "https://msad-dataset.github.io/"
    assert msad.summary == "Large-scale, multi-scene anomaly benchmark."
    assert by_id["driver-anomaly-detection"].links == {
        "code": "https://github.com/okankop/Driver-Anomaly-Detection"
    }
    roadwork = by_id["roadwork"]
    assert (roadwork.venue, roadwork.year) == ("ICCV", 2025)
    assert roadwork.links == {"project": "https://www.cs.cmu.edu/~roadwork/"}
    assert by_id["video-holmes"].links == {
        "project": "https://video-holmes.github.io/Page.github.io/"
    }


def test_prose_blocks_keep_overview_metrics_and_related_lists(seed: ImportResult) -> None:
    prose = {b.id: b for b in seed.prose}
    assert list(prose) == ["overview", "metrics-evaluation", "related-awesome-lists"]
    overview = prose["overview"].body
    assert overview.startswith("This list collects representative works")
    assert "#### 其实“思考”并不是只在异常场景里才需要" in overview
    assert overview.endswith("我们需要的是推理，而不仅是事后解释。")
    assert prose["metrics-evaluation"].level == 3
    assert prose["related-awesome-lists"].title == "Related Awesome Lists"


def test_every_paper_of_the_seed_is_found_by_title(seed: ImportResult) -> None:
    text = SEED.read_text(encoding="utf-8")
    headings = [line[5:] for line in text.splitlines() if line.startswith("#### ")]
    titles = {e.title for e in seed.entries}
    papers = [h for h in headings if "思考" not in h]
    assert len(papers) == 29
    assert set(papers) <= titles


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Harnessing LLMs for Training-free VAD (LAVAD)", "LAVAD"),
        ("Holmes-VAU: Towards Long-term Video Anomaly Understanding", "Holmes-VAU"),
        ("Follow the Rules: Reasoning for VAD (AnomalyRuler)", "AnomalyRuler"),
        ("A Very Long Prefix Here: Then the Title", None),
        ("Language-guided Open-world Video Anomaly Detection", None),
    ],
)
def test_short_name(title: str, expected: str | None) -> None:
    assert short_name(title) == expected


def test_new_entry_id_for_an_approved_paper() -> None:
    from bot.core.catalog.drafts import new_entry_id

    taken = {"vera", "vera-2025"}
    assert new_entry_id("VERA: Explainable VAD", 2025, taken) == "vera-2"
    assert new_entry_id("Holmes-VAU: Towards Long-term VAU", 2025, taken) == "holmes-vau"
    title = "Language-guided Open-world Video Anomaly Detection Again"
    assert new_entry_id(title, None, set()) == "language-guided-open-world-video-anomaly"
