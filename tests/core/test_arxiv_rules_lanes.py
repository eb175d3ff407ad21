"""Lanes (candidate, maybe, none), the learned ranker, and the rules as a data file."""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files

import pytest

from bot.core.arxiv.ranker import Ranker, train_ranker
from bot.core.arxiv.rules import build_rules, classify, match_paper
from bot.core.models import Paper

RULES = build_rules()
POSITIVES = [
    "Video anomaly detection with a multimodal large language model on surveillance footage",
    "Explainable video anomaly understanding: an LLM describes abnormal events in CCTV videos",
    "Open-vocabulary video anomaly detection with CLIP text prompts on UCF-Crime",
    "Weakly supervised violence detection in videos guided by vision-language models",
    "Traffic accident reasoning in dashcam videos with a video large language model",
]
NEGATIVES = [
    "Industrial defect detection with CLIP on MVTec images",
    "Log anomaly detection with large language models for cloud systems",
    "Long video question answering with a video large language model",
    "Time series anomaly detection with transformers",
]


def paper(title: str, abstract: str = "") -> Paper:
    return Paper("2611.00001", title, abstract)


def test_vad_without_a_language_model_is_maybe_not_dropped() -> None:
    no_llm = paper("Memory-augmented autoencoders for video anomaly detection in surveillance")
    with_llm = paper("Video anomaly detection in surveillance with a vision-language model")
    elsewhere = paper("Faster sparse attention for language model training")
    assert classify(no_llm, RULES).lane == "maybe"
    assert classify(with_llm, RULES).lane == "candidate"
    assert classify(elsewhere, RULES).lane == "none"


def test_candidate_lane_is_exactly_the_rules_bar_without_a_ranker() -> None:
    papers = [paper(t) for t in [*POSITIVES, *NEGATIVES]]
    for p in papers:
        assert (classify(p, RULES).lane == "candidate") == (match_paper(p, RULES) is not None)


def test_crime_named_in_the_title_with_video_once_is_maybe() -> None:
    crime = paper(
        "Criminal behaviour prediction from multi-agent reasoning",
        "Cities deploy cameras. We analyse video streams frame by frame. Results are good.",
    )
    assert classify(crime, RULES).lane == "maybe"


def test_a_paper_like_a_rejected_one_ranks_lower_after_retraining() -> None:
    x = "Anomaly detection in traffic surveillance videos with optical flow and an autoencoder"
    before = train_ranker(POSITIVES, NEGATIVES)
    similar = "Autoencoder anomaly detection in traffic videos using optical flow"
    after = train_ranker(POSITIVES, [*NEGATIVES, similar])
    assert after.score(x) < before.score(x)


def test_an_approval_makes_a_similar_paper_rank_higher() -> None:
    x = "Shoplifting detection in store camera clips with a vision-language model"
    before = train_ranker(POSITIVES, NEGATIVES)
    after = train_ranker(
        [*POSITIVES, "Retail shoplifting detection in store camera clips"], NEGATIVES
    )
    assert after.score(x) > before.score(x)


def test_ranker_is_deterministic_and_survives_bytes() -> None:
    one = train_ranker(POSITIVES, NEGATIVES)
    two = train_ranker(POSITIVES, NEGATIVES)
    assert one.to_bytes() == two.to_bytes()
    back = Ranker.from_bytes(one.to_bytes())
    text = "Video anomaly detection with an LLM"
    assert back.score(text) == pytest.approx(one.score(text), abs=1e-5)
    assert back.evidence(text) == one.evidence(text)
    with pytest.raises(ValueError, match="not a saved ranker"):
        Ranker.from_bytes(b"not a ranker at all")


def test_evidence_words_come_from_the_paper_and_speak_for_it() -> None:
    ranker = train_ranker(POSITIVES, NEGATIVES)
    text = "Video anomaly detection in surveillance with MVTec industrial defects"
    words = ranker.evidence(text, k=3)
    assert words
    assert len(words) <= 3
    assert all(w in text.lower() for w in words)
    assert not any("mvtec" in w or "industrial" in w for w in words)


def test_without_both_kinds_of_decisions_the_ranker_moves_nothing() -> None:
    ranker = train_ranker(POSITIVES, [])
    assert not ranker.decides
    vad = paper("Memory-augmented autoencoders for video anomaly detection in surveillance")
    assert classify(vad, RULES, ranker).lane == "maybe"


def test_hostile_text_is_cut_not_read_whole() -> None:
    ranker = train_ranker(POSITIVES, NEGATIVES)
    huge = "video anomaly " * 500_000
    assert 0 <= ranker.score(huge) <= 1


def test_lanes_move_only_within_the_documented_bounds() -> None:
    ranker = train_ranker(POSITIVES * 3, NEGATIVES * 3)
    vad_no_llm = paper("Anomaly detection in surveillance videos with memory autoencoders")
    # promote_at 0 and every group but one met: maybe becomes candidate
    eager = build_rules(settings={"promote_at": 0.0})
    assert classify(vad_no_llm, eager, ranker).lane == "candidate"
    # a paper outside the loose gate never moves, whatever the ranker says
    elsewhere = paper("Anomalies in stock prices explained by a large language model")
    assert classify(elsewhere, eager, ranker).lane == "none"
    # demote_at 1: every candidate falls to maybe, none to "none"
    strict = build_rules(settings={"demote_at": 1.0})
    vad = paper("Video anomaly detection in surveillance with a vision-language model")
    assert classify(vad, strict, ranker).lane == "maybe"


def test_heuristics_are_named_settings() -> None:
    denied = paper("A study", "We detect anomalies in CCTV videos, with no language model at all.")
    assert match_paper(denied, RULES) is None
    assert match_paper(denied, build_rules(settings={"denial_window": 0})) is not None
    with pytest.raises(ValueError, match="unknown matcher setting 'nope'"):
        build_rules(settings={"nope": 1})


def test_every_built_in_term_has_a_reason_and_new_terms_name_two_papers() -> None:
    data = tomllib.loads(files("bot.core.arxiv").joinpath("rules.toml").read_text("utf-8"))
    tables = [*data["groups"].values(), data["exclude"], *data["loose"].values()]
    terms = [t for table in tables for t in table] + list(data["loose_exclude"])
    assert len(terms) > 100
    for term in terms:
        assert term.get("why", "").strip(), term["term"]
        papers = term.get("papers")
        if papers is not None:
            assert len(set(papers)) >= 2
            assert all(re.fullmatch(r"\d{4}\.\d{4,5}", p) for p in papers)


def test_a_language_model_named_only_as_what_the_paper_beats_is_no_candidate() -> None:
    # after 2504.03235 and 2604.09819: accident detectors whose only language-model words are
    # the baselines they beat
    beats = paper(
        "Crash localization in traffic surveillance footage with state-space models",
        "We localize crashes in long traffic surveillance videos with a state-space model. "
        "It outperforms recent video-language models such as TimeChat by 2.8 seconds.",
    )
    uses = paper(
        "Crash localization in traffic surveillance footage with state-space models",
        "We localize crashes in long traffic surveillance videos with a state-space model. "
        "A video-language model then explains each crash it finds.",
    )
    assert classify(beats, RULES).lane == "maybe"
    assert classify(uses, RULES).lane == "candidate"
    assert classify(beats, build_rules(settings={"comparison": False})).lane == "candidate"


def test_an_accident_seen_by_a_surveillance_camera_needs_no_road_words() -> None:
    # 2606.12047, 2605.21917: accident understanding from surveillance video, no road words
    seen = paper(
        "Zero-shot accident understanding with multi-prompt reasoning",
        "We address zero-shot understanding of accidents from surveillance videos with a "
        "vision-language model that says when, what and where the impact occurs.",
    )
    software = paper(
        "Predicting app crashes from logs with a language model",
        "We predict crashes of mobile apps from their logs with a large language model.",
    )
    assert classify(seen, RULES).lane == "candidate"
    assert classify(software, RULES).lane == "none"


def test_what_the_maybe_lane_turns_away_is_no_candidate_either() -> None:
    glitch = paper(
        "Physical understanding from glitchy gameplay videos",
        "Glitches in gameplay videos are visual anomalies that violate physics. We build a "
        "question-answering dataset on them for multimodal large language models.",
    )
    assert classify(glitch, RULES).lane == "none"
    assert match_paper(glitch, RULES) is None
