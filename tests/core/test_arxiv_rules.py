"""The matching rules: generic words count only in context, and the score follows the evidence."""

from __future__ import annotations

import pytest

from bot.core.arxiv.rules import DEFAULT_QUERY, build_rules, match_paper, score_paper
from bot.core.models import Paper

RULES = build_rules()
LLM = "We use a multimodal large language model."


def paper(title: str, abstract: str = "") -> Paper:
    return Paper("2611.00001", title, abstract)


def passes(title: str, abstract: str = "") -> bool:
    return match_paper(paper(title, abstract), RULES) is not None


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        ("We accidentally dropped frames of dashcam videos of road traffic.", False),
        ("We detect accidents in dashcam videos of road traffic.", True),
        ("We detect accidents in videos of factory workers.", False),  # no road: not a crash
        ("Training nodes crash while we caption videos.", False),
        ("We anticipate car crashes in driving videos.", True),
    ],
)
def test_accident_and_crash_count_only_on_the_road(abstract: str, expected: bool) -> None:
    assert passes("A study", f"{abstract} {LLM}") is expected


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        ("We detect anomalies in images from a line-scan camera.", False),
        ("We detect anomalies in images from surveillance cameras.", True),
        ("We detect anomalies in video games.", False),
        ("We detect anomalies in video streaming sessions.", False),
        ("We detect anomalies in video streaming sessions and in CCTV videos.", True),
    ],
)
def test_camera_alone_or_a_video_game_is_not_video(abstract: str, expected: bool) -> None:
    assert passes("A study", f"{abstract} {LLM}") is expected


def test_anomaly_and_video_must_meet_in_one_sentence_or_the_title() -> None:
    apart = "We detect anomalies in heart sounds. The video of each visit is not used."
    together = "We detect anomalies in surveillance videos."
    assert not passes("A study", f"{apart} {LLM}")
    assert passes("A study", f"{together} {LLM}")
    assert passes("Video Anomaly Detection with LLMs", "Nothing else is said here.")


def test_anomalous_must_describe_events_not_physics_or_attention() -> None:
    assert not passes("Anomalous diffusion in microscopy videos explained by an LLM")
    assert not passes("A study", f"Video LLMs put anomalous attention on tokens. {LLM}")
    assert passes("Anomalous events in videos explained by an LLM")


def test_look_alike_contexts_are_excluded_unless_the_paper_speaks_of_surveillance() -> None:
    pcb = "Zero-shot anomaly detection in PCB inspection videos with CLIP"
    assert not passes(pcb)
    assert passes(pcb, "We also test on CCTV footage of the surveillance benchmark UCF-Crime.")
    assert not passes("Log anomaly detection with LLMs for video analytics servers")


def test_what_the_paper_turns_away_from_is_not_its_evidence() -> None:
    contrast = "Recent video anomaly detection methods rely on slow LLMs. We instead use poses."
    assert not passes("Pose-based video anomaly detection", contrast)
    assert passes("Pose-based video anomaly detection", "Recent methods use poses. We use LLMs.")


def test_word_boundaries_plurals_and_unicode_dashes() -> None:
    assert passes("Abnormal events in CCTV footage found by vision‑language models")  # U+2011
    assert passes("VadCLIP: anomalies in videos")
    assert not passes("Anomaly detection in videos with CLIPboard tools")


def test_custom_terms_take_except_if_unless_and_parentheses() -> None:
    rules = build_rules(
        {"g": ("bug* except bug bount* | bug report* if software", "fix (patch* | commit*)")},
        exclude=("security unless code review",),
        together=(),
    )
    assert match_paper(paper("Bugs in software"), rules) is not None
    assert match_paper(paper("Bugs in gardens"), rules) is None  # no `if` context
    assert match_paper(paper("Bug bounty programs for software"), rules) is None  # except
    assert match_paper(paper("A fix commit"), rules) is not None  # parentheses
    assert match_paper(paper("A fix patch and security"), rules) is None  # excluded
    assert match_paper(paper("A fix patch, security and code review"), rules) is not None


def test_title_and_phrase_evidence_score_above_scattered_words() -> None:
    in_title = paper("Video Anomaly Detection with Multimodal LLMs", "We propose a method.")
    phrase = paper("A study", "We propose video anomaly detection with an LLM.")
    scattered = paper("A study", "Anomalies matter. In surveillance, we study a long video. LLM.")
    scores = [score_paper(p, RULES) for p in (in_title, phrase, scattered)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1] > scores[2]


def test_api_query_is_broad_for_built_in_rules_and_the_first_group_otherwise() -> None:
    assert RULES.query_terms() == DEFAULT_QUERY
    custom = build_rules({"a": ("crash* if road", "anomal*"), "b": ("LLM",)})
    assert custom.query_terms() == ("crash*", "anomal*")


def test_a_title_that_states_the_anomaly_needs_its_video_context_only_somewhere() -> None:
    title = "Benchmarking Multimodal Models on Traffic Accidents"
    spread = "We collect 900 videos. Each video has questions. GPT-4o answers half of them."
    assert passes(title, spread)
    assert not passes("Benchmarking Multimodal Models on Road Safety", spread)  # no anomaly
    once = "We segment anomalies in photos with CLIP. We also show frames taken from videos."
    assert not passes("Zero-Shot Anomaly Segmentation", once)  # one passing mention


def test_model_names_and_multimodal_models_are_language_evidence() -> None:
    assert passes("Violence detection in CCTV videos with Qwen2-VL")
    assert passes("Violence detection in CCTV videos with InternVideo2 and Claude 3")
    assert passes("Violence detection in CCTV videos with multimodal models")
    fused = "We fuse audio and visual features of CCTV videos in one multimodal model."
    assert not passes("Violence detection", fused)


def test_prompts_count_as_language_only_in_video_anomaly_work_and_not_visual_ones() -> None:
    assert passes("Knowledge-based prompts for weakly supervised video anomaly detection")
    assert not passes("Prompt learning for action recognition in surveillance video")
    visual = "We learn visual prompts for a frozen video transformer on UCF-Crime."
    assert not passes("Prompt tuning for video anomaly detection", visual)


def test_what_a_paper_denies_is_not_its_evidence() -> None:
    assert not passes("Video anomaly detection", "No text or language model is involved.")
    assert not passes("Crime Forecasting with LLMs", "Unlike video-based systems, we need text.")
    assert passes("Video anomaly detection", "Unlike prior work, we use an LLM.")


def test_incidents_count_when_spotted_and_safety_critical_events_on_the_road() -> None:
    assert not passes("Incident reports drafted from CCTV footage with GPT-4o")
    assert passes("Incident detection in CCTV footage with GPT-4o")
    assert passes("Safety-critical events in driving video spotted by an MLLM")
    assert not passes("Safety-critical events in video game logs spotted by an MLLM")


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        ("We flag shoplifting in store clips, analysed per frame.", True),
        ("We flag anomalies in machine audio clips, analysed per frame.", False),
        ("We flag anomalies in CAN bus traffic of cars, analysed per frame.", False),
        ("We frame anomalies of bank transactions as questions.", False),
    ],
)
def test_clips_and_per_frame_analysis_are_video_but_not_audio_or_network_frames(
    abstract: str, expected: bool
) -> None:
    assert passes("A study", f"{abstract} {LLM}") is expected


def test_hazard_identification_in_driving_is_video_anomaly_evidence_not_in_chemistry() -> None:
    driving = "We spot hazards from optical flow. Hazard identification runs on each drive."
    assert passes("Hazard Identification for Autonomous Driving", f"{driving} {LLM}")
    chemistry = "We identify the hazard class of chemicals shipped by road. We frame it as QA."
    assert not passes("Hazard Identification for Dangerous Goods", f"{chemistry} {LLM}")


def test_industrial_and_medical_words_exclude_unless_the_paper_is_on_video_anomalies() -> None:
    assert not passes("Industrial Anomaly Detection in Video of Assembly Lines", LLM)
    assert passes("Video Industrial Anomaly Detection", f"We detect anomalies in videos. {LLM}")


def test_making_accident_videos_is_not_detecting_them_unless_the_paper_also_detects() -> None:
    made = "We generate crash videos of vehicles on the road from accident reports."
    assert not passes("Crash Video Synthesis", f"{made} {LLM}")
    assert passes("Crash Video Synthesis", f"{made} A VLM then detects crashes in real videos.")


def test_words_after_parentheses_go_with_each_alternative() -> None:
    rules = build_rules({"a": ("video (industrial | medical) anomal*",)}, exclude=("nothing",))
    assert match_paper(paper("Video medical anomalies"), rules) is not None
    assert match_paper(paper("Video industrial study"), rules) is None
    assert match_paper(paper("Medical anomalies"), rules) is None


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        (
            "Video Anomaly Detection with Structured Keywords",
            "We detect anomalies in surveillance videos from structured keywords that a "
            "pretrained model writes for each clip, on UCF-Crime.",
            True,
        ),
        (
            "Training-Free Video Anomaly Detection by Event Adjudication",
            "Anomaly descriptions guide the detector, which gives explanations for each alarm.",
            True,
        ),
        (
            "Keyword Spotting in Lecture Videos",
            "We find spoken keywords in lecture videos and give explanations of our choices.",
            False,
        ),
        (
            "Memory-Augmented Autoencoders for Video Anomaly Detection",
            "Frames of surveillance video are reconstructed; anomalies give large errors.",
            False,
        ),
    ],
)
def test_written_anomaly_descriptions_count_as_language_only_in_video_anomaly_work(
    title: str, abstract: str, expected: bool
) -> None:
    assert (match_paper(paper(title, abstract), RULES) is not None) is expected
