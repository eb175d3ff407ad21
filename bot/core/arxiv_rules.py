"""Which arXiv papers are candidates: term groups as the gate, the strength of evidence as rank.

A paper passes when its title or abstract meets EVERY group (any of its terms), the "together"
groups (anomaly and video) meet in one sentence or in the title, and no excluded term applies.
Terms are matched on word boundaries, plural-aware ("anomaly" finds "anomalies"); a trailing `*`
matches any ending; ALL-CAPS terms (VAD, VLM, MLLM, CLIP) are case-sensitive and also found glued
to a lowercase word (VadCLIP). Hyphens and spaces between words are the same.

A term may carry context, because generic words mislead on their own (measured on written
look-alikes, `tests/data/arxiv_probes.jsonl`): `A | B` any of them; `… except X | Y` does not
count where X or Y covers it ("video except video game*"); `… if X | Y` counts only in a paper
that also mentions X or Y ("accident if traffic"); `… unless X | Y` only in one that does not.

The score (`score_paper`, 0–1) ranks what passes by the strength of the evidence: groups met in
the title, anomaly and video in one sentence and within a few words ("video anomaly detection"
beats the words scattered), repeats, mentions in the paper's own work ("we propose …") rather
than in what it turns away from ("… rely on LLMs. We instead …", which does not count at all),
and, a little, similarity to the catalog's own titles.

The built-in defaults live here only; `config/vadbot.example.yaml` shows them as comments.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.models import Match, Paper

_ROAD = (
    "traffic | road* | driving | driver* | vehicle* | car | pedestrian* | highway* | transport*"
    " | dashcam | dash cam"
)
_SCENE = (
    "surveillance | CCTV | security camera* | traffic camera* | dashcam | video anomal* | UCF-Crime"
    " | XD-Violence | ShanghaiTech | UBnormal | violence detection | traffic accident*"
)
_WATCHED = "surveillance | CCTV | security | traffic | monitoring | dashcam"
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
        f"incident | threat* if {_WATCHED}",
    ),
    "video": (
        "video* except video game* | video streaming | video coding | video compression"
        " | video codec* | video conferenc*",
        "surveillance", "CCTV", "footage", "dashcam", "dash cam", f"camera* if {_WATCHED}",
        "UCF-Crime", "XD-Violence", "ShanghaiTech", "UBnormal", "CUHK Avenue", "UCSD Ped*",
        "VAD", "VAU", "WSVAD", "OVVAD",
    ),
    "language model": (
        "multimodal LLM", "multi-modal LLM", "MLLM", "LVLM", "VLLM", "Video-LLM", "VLM", "LLM",
        "LMM", "Video-LMM", "large multimodal", "large multi-modal", "language-image",
        "multimodal large language model", "multi-modal large language model",
        "large language model", "vision-language model", "vision-language", "visual-language",
        "vision and language", "vision-and-language", "video-language", "language model",
        "multimodal large", "multi-modal large", "multimodal foundation model*",
        "multi-modal foundation model*", "GPT*", "ChatGPT", "CLIP", "LLaVA*", "Qwen*",
        "InternVL*", "Video-LLaMA*", "VideoChat*", "BLIP*", "Gemini", "Gemma*", "LLaMA*",
        "InternLM*", "MiniCPM*", "DeepSeek*", "Claude", "chain-of-thought", "instruction tuning",
        "instruction-tuned", "text prompt", "textual prompt", "prompt learning",
        "natural language", "natural-language", "language description*", "text description*",
        "textual description*", "textual explanation*",
        "textual (semantic* | feature* | embedding* | cue* | prior*)", "text-guided",
        "text guidance", "text-driven", "language-driven", "video-text", "text-video",
        "VideoLLM*", "open-vocabulary", "open vocabulary", "language-guided", "captioning",
        "caption*",
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
"""Groups that must be met in one sentence (or the title): the anomaly is IN the video."""

DEFAULT_MIN_SCORE = 0.0
"""The score (see `score_paper`) a paper needs besides passing the gate."""

_REFERENCE_SHARE = 0.15
_CLOSE = 40
_SPACE = r"[\s\-‐‑–—]*"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_TURN = re.compile(r"(?:we\s+instead|(?:instead|in contrast|by contrast|rather),?\s+we)\b", re.I)
_OWN = re.compile(r"\b(?:we|our|this paper|this work|propos\w*|introduc\w*)\b", re.IGNORECASE)
_UNICODE = str.maketrans({"‐": "-", "‑": "-", "–": "-", "—": "-", "’": "'", "“": '"', "”": '"'})
_WORD = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_STOP = frozenset(
    ("a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on",
     "or", "the", "to", "towards", "via", "with", "without")
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a group, compiled with its context."""

    text: str
    parts: tuple[tuple[str, re.Pattern[str]], ...]
    """The alternatives by their first word in lowercase: without that word in the text the
    pattern cannot match, and a substring test is far faster than a pattern."""
    except_: re.Pattern[str] | None = None
    if_: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None

    @property
    def literals(self) -> tuple[str, ...]:
        """The first words of the alternatives, lowercase."""
        return tuple(word for word, _ in self.parts)

    def spans(self, text: str, lowered: str | None = None) -> list[tuple[int, int]]:
        """Where the term counts in `text` (the whole paper, so context can be checked)."""
        lowered = text.lower() if lowered is None else lowered
        found = [
            m.span() for word, pattern in self.parts if word in lowered
            for m in pattern.finditer(text)
        ]  # fmt: skip
        if not found:
            return []
        if self.if_ is not None and not self.if_.search(text):
            return []
        if self.unless is not None and self.unless.search(text):
            return []
        if self.except_ is not None:
            masked = [m.span() for m in self.except_.finditer(text)]
            found = [s for s in found if not any(a <= s[0] < b for a, b in masked)]
        return found


@dataclass(frozen=True, slots=True)
class Group:
    """Terms of which at least one must be present."""

    name: str
    terms: tuple[Term, ...]
    literals: tuple[str, ...] = ()
    """Each alternative's first word in lowercase: a paper with none of them cannot meet the
    group, and plain substring search rules out most papers far faster than the patterns."""

    def is_possible(self, lowered: str) -> bool:
        """False when no term can be present in this lowercased text."""
        return any(word in lowered for word in self.literals)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where any term of the group counts in `text`, in order."""
        lowered = text.lower()
        if not self.is_possible(lowered):
            return []
        return sorted(s for term in self.terms for s in term.spans(text, lowered))

    def is_met(self, text: str) -> bool:
        """True when any term counts in `text`."""
        return bool(self.spans(text))


def build_group(name: str, terms: Sequence[str]) -> Group:
    """A group of compiled terms and their first words."""
    compiled = tuple(compile_term(t) for t in terms)
    return Group(name, compiled, tuple(sorted({w for t in compiled for w in t.literals})))


@dataclass(frozen=True, slots=True)
class Rules:
    """The gate (groups, together, exclusions, minimum) and what ranks the papers that pass."""

    groups: tuple[Group, ...]
    exclude: Group = field(default_factory=lambda: build_group("exclude", ()))
    min_score: float = DEFAULT_MIN_SCORE
    reference: frozenset[str] = field(default_factory=frozenset)
    """Title words of the catalog's own papers; similarity to them only ranks, never gates."""
    together: tuple[str, ...] = ()
    """Names of the groups that must meet in one sentence or in the title."""
    query: tuple[str, ...] = ()
    """Keywords for the arXiv API; empty = the first group's terms."""

    def query_terms(self) -> tuple[str, ...]:
        """Keywords for the arXiv API: `query`, else the first group's terms without context."""
        if self.query or not self.groups:
            return self.query
        heads = (h for t in self.groups[0].terms for h in _alternatives(_split_context(t.text)[0]))
        return tuple(dict.fromkeys(heads))


def build_rules(
    groups: Mapping[str, Sequence[str]] | None = None,
    exclude: Sequence[str] | None = None,
    min_score: float | None = None,
    reference_titles: Sequence[str] = (),
    together: Sequence[str] | None = None,
) -> Rules:
    """Rules from config values; empty or None means the built-in default of that part."""
    chosen = groups or DEFAULT_GROUPS
    paired = DEFAULT_TOGETHER if together is None else together
    return Rules(
        groups=tuple(build_group(name, terms) for name, terms in chosen.items()),
        exclude=build_group("exclude", exclude or DEFAULT_EXCLUDE),
        min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
        reference=frozenset(w for t in reference_titles for w in _words(t)),
        together=tuple(name for name in paired if name in chosen),
        query=() if groups else DEFAULT_QUERY,
    )


def compile_term(text: str) -> Term:
    """A term as regular expressions: the term itself and its `except`/`if`/`unless` context."""
    head, context = _split_context(text)
    by_word: dict[str, list[str]] = {}
    for alternative in _alternatives(head):
        # the first word without a final "y", which plurals change ("anomaly" → "anomalies")
        word = re.split(r"[\s\-]+", alternative.rstrip("*").lower())[0].rstrip("y")
        by_word.setdefault(word, []).append(alternative)
    parts = tuple((word, _compile_any(" | ".join(alts))) for word, alts in by_word.items())
    extra = {key: _compile_any(value) for key, value in context.items()}
    return Term(text.strip(), parts, extra.get("except"), extra.get("if"), extra.get("unless"))


def _split_context(text: str) -> tuple[str, dict[str, str]]:
    """`head except … if … unless …` as the head and each context clause."""
    parts = re.split(r"\s+(except|if|unless)\s+", text.strip())
    return parts[0], dict(zip(parts[1::2], parts[2::2], strict=True))


def _alternatives(text: str) -> list[str]:
    """`A | B (c | d)` as ["A", "B c", "B d"]: a word before parentheses goes with each inside."""
    parts = re.findall(r"[^|(]+\([^)]*\)|[^|]+", text)
    found: list[str] = []
    for part in parts:
        lead, paren, inner = part.partition("(")
        inside = inner.rstrip(") ").split("|") if paren else [""]
        found += [f"{lead.strip()} {a.strip()}".strip() for a in inside]
    return [a for a in found if a]


def _compile_any(text: str) -> re.Pattern[str]:
    """One pattern for `A | B | …`; case-sensitive parts (ALL-CAPS) keep their case."""
    return re.compile("|".join(_compile_one(a) for a in _alternatives(text)))


def _compile_one(text: str) -> str:
    """A term as a regex: word boundaries, plurals, `*` endings, hyphen = space."""
    prefix = text.endswith("*")
    words = re.split(r"[\s\-]+", text.rstrip("*").strip())
    letters = [c for c in text if c.isalpha()]
    caps = bool(letters) and sum(c.isupper() for c in letters) >= 2 and text == text.upper()
    body = _SPACE.join(re.escape(w) for w in words[:-1])
    body += (_SPACE if body else "") + _last_word(words[-1], prefix, caps)
    before = r"(?<![A-Z0-9])" if caps else r"(?<![A-Za-z0-9])"
    after = "" if prefix else r"(?![A-Za-z0-9])"
    return f"(?{'' if caps else 'i'}:{before}{body}{after})"


def _last_word(word: str, prefix: bool, caps: bool) -> str:
    if prefix:
        return re.escape(word) + r"[\w\-]*?" if caps else re.escape(word) + r"\w*"
    if caps:
        return re.escape(word) + "s?"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:s|es)?"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where each group counts in a paper: sentence numbers (0 is the title) and term shown."""

    sentences: Mapping[str, tuple[int, ...]]
    own: frozenset[int]
    """Sentences that speak of the paper's own work ("we", "this paper", "propose")."""
    shown: tuple[str, ...]
    close: bool = False
    """The `together` groups meet within a few words ("video anomaly", "abnormal events in
    CCTV"), stronger evidence than the same words scattered over a sentence."""

    def is_met(self, together: Sequence[str]) -> bool:
        """Every group counts, the `together` ones in a common sentence."""
        if not all(self.sentences.values()):
            return False
        common = [set(self.sentences[name]) for name in together]
        return not common or bool(set.intersection(*common))

    def strength(self, together: Sequence[str]) -> float:
        """0–1: groups in the title, joined in one sentence, repeated, in the paper's own work."""
        found = list(self.sentences.values())
        if not found:
            return 0.0
        common = set.intersection(*(set(self.sentences[n]) for n in together or self.sentences))
        joint = 1.0 if 0 in common else 0.5 if common else 0.0
        in_title = _mean([0 in s for s in found])
        repeated = _mean([min(1.0, len(s) / 4) for s in found])
        own = _mean([bool(set(s) & (self.own | {0})) for s in found])
        return 0.3 * in_title + 0.2 * joint + 0.15 * self.close + 0.2 * repeated + 0.15 * own


def find_evidence(paper: Paper, groups: Sequence[Group], together: Sequence[str] = ()) -> Evidence:
    """Which sentences of `paper` meet each group, and the term to show for each."""
    title = paper.title.translate(_UNICODE)
    abstract = paper.abstract.translate(_UNICODE)
    text, at = f"{title}\n|\n{abstract}", len(title) + 3
    starts = [0, at] + [at + m.end() for m in _SENTENCE_END.finditer(abstract)]
    # what the paper turns away from ("… rely on LLMs. We instead …") is not its evidence
    turned = {i - 1 for i, a in enumerate(starts) if i > 1 and _TURN.match(text, a)}
    sentences: dict[str, tuple[int, ...]] = {}
    positions: dict[str, list[int]] = {}
    shown: list[str] = []
    for group in groups:
        spans = [(a, b, bisect_right(starts, a) - 1) for a, b in group.spans(text)]
        spans = [s for s in spans if s[2] not in turned]
        sentences[group.name] = tuple(s[2] for s in spans)
        positions[group.name] = [s[0] for s in spans]
        if spans:
            start, end, _ = spans[0]
            shown.append(_CAPITALISED.sub(lambda m: m.group(0).lower(), text[start:end]))
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    own = frozenset(i for i, (a, b) in enumerate(bounds) if _OWN.search(text, a, b))
    return Evidence(sentences, own, _distinct(shown), _is_close(positions, together))


def _is_close(positions: Mapping[str, list[int]], together: Sequence[str]) -> bool:
    """True when every `together` group has a hit within `_CLOSE` characters of the first's."""
    if len(together) < 2:
        return False
    first, *others = (positions.get(name, []) for name in together)
    return any(all(any(abs(a - b) <= _CLOSE for b in other) for other in others) for a in first)


def match_paper(paper: Paper, rules: Rules) -> Match | None:
    """Why `paper` passes the rules and how relevant it looks (0–1), or None if it does not."""
    lowered = f"{paper.title}\n{paper.abstract}".lower()
    if not all(group.is_possible(lowered) for group in rules.groups):
        return None  # most papers: no need to run the patterns
    if rules.exclude.is_met(f"{paper.title}\n|\n{paper.abstract}".translate(_UNICODE)):
        return None
    evidence = find_evidence(paper, rules.groups, rules.together)
    if not evidence.is_met(rules.together):
        return None
    score = _ranked(evidence.strength(rules.together), paper, rules)
    return Match(round(score, 3), evidence.shown) if score >= rules.min_score else None


def score_paper(paper: Paper, rules: Rules) -> float:
    """How strongly `paper` looks relevant (0–1), whether or not it passes the gate."""
    evidence = find_evidence(paper, rules.groups, rules.together)
    return round(_ranked(evidence.strength(rules.together), paper, rules), 3)


def _ranked(strength: float, paper: Paper, rules: Rules) -> float:
    if not rules.reference:
        return strength
    share = _similarity(paper.title, rules.reference)
    return (1 - _REFERENCE_SHARE) * strength + _REFERENCE_SHARE * share


def _distinct(terms: Sequence[str]) -> tuple[str, ...]:
    """Terms to show, without one inside another ("video" when "video anomaly" is shown)."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term.casefold() in k.casefold() for k in kept):
            kept.append(term)
    return tuple(t for t in terms if t in kept)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _similarity(title: str, reference: frozenset[str]) -> float:
    """Share of a title's words that the catalog's titles also use."""
    words = _words(title)
    return len(words & reference) / len(words) if words else 0.0
