"""The built-in arXiv matching rules: term groups, exclusions, API keywords (syntax in
`bot.core.arxiv.terms`, use in `bot.core.arxiv.rules`). `config/vadbot.example.yaml` shows them
as comments, and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

_ROAD = (
    "traffic | road* | driving | driver* | vehicle* | car | pedestrian* | highway* | transport*"
    " | dashcam | dash cam"
)
_SCENE = (
    "surveillance | CCTV | security camera* | traffic camera* | dashcam | video anomal* | UCF-Crime"
    " | XD-Violence | ShanghaiTech | UBnormal | violence detection | traffic accident*"
    " | video (industrial | medical) anomal* | anomalies in videos"
    " | video understanding (for | of) anomal*"
    " | video understanding for (industrial | medical) anomal*"
)
_MADE = "text-to-video | video generation | video synthesis | video diffusion model*" + "".join(
    f" | {verb} (videos | collision videos | crash videos | accident videos | fight videos"
    " | driving videos | realistic videos)"
    for verb in ("generate", "generating", "generated", "synthesize", "synthesise", "synthesizing",
                 "synthesising", "synthesized", "synthesised", "render", "rendered")
)  # fmt: skip
"""Making videos of accidents or fights is not detecting them (unless the paper also detects)."""
_WATCHED = "surveillance | CCTV | security | traffic | monitoring | dashcam"
_VAD = (
    "video anomal* | VAD | WSVAD | OVVAD | UCF-Crime | XD-Violence | ShanghaiTech | UBnormal"
    " | UCSD Ped* | CUHK Avenue | violence detection"
)
_SPOTTED = (
    "(detection | detector* | recognition | alert* | warning* | anticipation | prediction"
    " | localization | localisation | spotting | understanding)"
)
_EVENTS = (
    "(event* | behavio* | activit* | action* | moment* | frame* | clip* | segment* | snippet*"
    " | video* | scene* | situation* | incident* | instance* | region* | object* | motion*"
    " | human* | crowd* | pedestrian* | trajector* | interaction* | pattern* | sample*)"
)

DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "anomaly": (
        "video anomaly", "anomaly", "anomaly-aware", "abnormality", f"anomalous {_EVENTS}",
        f"abnormal {_EVENTS}",
        "unusual (event* | activit* | behavio* | moment* | action* | situation* | incident*"
        " | scene*)",
        "irregular (event* | behavio* | activit* | motion* | pattern*)", "unexpected event*",
        "out-of-distribution (event* | moment* | behavio*)",
        "VAD", "VAU", "WSVAD", "OVVAD", "UCF-Crime", "XD-Violence", "UBnormal", "UCSD Ped*",
        "violence", f"violent {_EVENTS}", "crime*", "criminal", "suspicious",
        "shoplift*", "vandalism", "robbery", "burglar*", "assault*", "theft", "fights", "brawl*",
        f"accident | crash* if {_ROAD}", f"hazard* | collision* | near-miss* if {_ROAD}"
        " except collision avoidance | collision rate* | collision-free",
        "safety-critical (event* | incident* | moment* | situation*) | near-crash*"
        f" | near-collision* if {_ROAD}",
        f"incident {_SPOTTED} | traffic incident* | security incident* | threat* if {_WATCHED}",
    ),
    "video": (
        "video* except video game* | video streaming | video coding | video compression"
        " | video codec* | video conferenc*",
        "surveillance", "CCTV", "footage", "dashcam", "dash cam", f"camera* if {_WATCHED}",
        "UCF-Crime", "XD-Violence", "ShanghaiTech", "UBnormal", "CUHK Avenue", "UCSD Ped*",
        "VAD", "VAU", "WSVAD", "OVVAD",
        "clips unless audio* | sound* | speech | music*",
        "per-frame | frame-by-frame | frame sampling | keyframe* | optical flow"
        " unless CAN | packet* | radar* | LiDAR | point cloud* | audio* | sound* | speech",
        "hazard (identification | detection | perception | anticipation | localization | object*)"
        " if driving | autonomous vehicle* | dashcam",
    ),
    "language model": (
        "multimodal LLM", "multi-modal LLM", "MLLM", "LVLM", "VLLM", "Video-LLM", "VLM", "LLM",
        "LMM", "Video-LMM", "large multimodal", "large multi-modal", "language-image",
        "multimodal large language model", "multi-modal large language model",
        "large language model", "vision-language model", "vision-language", "visual-language",
        "vision and language", "vision-and-language", "video-language", "language model",
        "multimodal large", "multi-modal large", "multimodal foundation model*",
        "multi-modal foundation model*", "multimodal model* | multi-modal model* unless audio*",
        "GPT*", "ChatGPT", "CLIP", "LLaVA*", "Qwen*", "InternVL*", "Video-LLaMA*", "VideoChat*",
        "BLIP*", "Gemini", "Gemma*", "LLaMA*", "InternLM*", "MiniCPM*", "DeepSeek*", "Claude*",
        "InternVideo*", "mPLUG*", "chain-of-thought", "instruction tuning", "instruction-tuned",
        "text prompt", "textual prompt", "prompt learning",
        "natural language", "natural-language", "language description*", "text description*",
        "textual description*", "textual explanation*",
        "textual (semantic* | feature* | embedding* | cue* | prior*)", "text-guided",
        "text guidance", "text-driven", "language-driven", "video-text", "text-video",
        "VideoLLM*", "open-vocabulary", "open vocabulary", "language-guided", "captioning",
        "caption*",
        f"prompt | prompting if {_VAD} unless visual prompt* | point prompt* | box prompt*",
        f"anomaly description* | keyword* | explanation* if {_VAD}",
    ),
}  # fmt: skip
"""Every group must be met; each by any of its terms."""

DEFAULT_EXCLUDE: tuple[str, ...] = (
    "voice activity detection", "valence-arousal",
    "industrial | defect* | MVTec | VisA | Real-IAD | PCB | manufactur* | inspection"
    " | maintenance | crack*"
    " | log anomal* | log data | system log* | log sequence* | log-based | tabular"
    " | time-series anomal* | time series anomal* | multivariate time series"
    " | network traffic | network flow* | QoE | QoS"
    " | medical | clinical | MRI | CT | X-ray | lesion* | heart sound* | ECG | EEG"
    f" | deepfake* | forgery | forged | jailbreak* | NSFW unless {_SCENE}",
    f"{_MADE} unless detects | detector* | detecting | VAD | anomaly detection | accident detection"
    " | crash detection | accident understanding | accident anticipation | anomaly understanding",
)  # fmt: skip
"""Look-alikes: a paper where any of these applies is never a candidate. Industrial, log,
time-series, network, medical and forgery words only when nothing says video surveillance."""

DEFAULT_QUERY: tuple[str, ...] = (
    "anomal*", "abnormal*", "unusual", "irregular", "out-of-distribution", "VAD", "VAU",
    "violen*", "crime*", "criminal", "suspicious", "shoplift*", "vandalism", "robbery", "burglar*",
    "assault*", "theft", "fights", "accident*", "crash*", "collision*", "hazard*", "incident*",
    "threat*", "UCF-Crime", "XD-Violence", "UBnormal",
)  # fmt: skip
"""The arXiv API keywords that fill gaps with the built-in groups: broad, the rules then filter."""

DEFAULT_TOGETHER: tuple[str, ...] = ("anomaly", "video")
"""Groups that must be met in one sentence (or the title): the anomaly is IN the video. When the
first is met in the title ("… Traffic Accidents …"), the others may be anywhere, but in two
sentences at least."""

DEFAULT_MIN_SCORE = 0.0
"""The score (see `score_paper`) a paper needs besides passing the gate."""
