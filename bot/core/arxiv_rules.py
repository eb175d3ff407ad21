"""Which arXiv papers are candidates: boolean term groups as the gate, a score to rank.

A paper passes when its title or abstract mentions at least one term of EVERY group and none of
the excluded terms (measured: such groups beat similarity to the list by far, see DESIGN.md).
Terms are matched on word boundaries, plural-aware ("anomaly" finds "anomalies"); a trailing `*`
matches any ending ("anomal*"); ALL-CAPS terms (VAD, VLM, MLLM, CLIP) are case-sensitive and
also found glued to a lowercase word (VadCLIP). Hyphens and spaces between words are the same.

The built-in defaults live here only; `config/vadbot.example.yaml` shows them as comments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.models import Match, Paper

DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "anomaly": (
        "video anomal*", "anomal*", "abnormal*", "unusual event", "unusual activit*",
        "unusual behavio*", "VAD", "VAU", "WSVAD", "OVVAD", "accident*", "crash*", "violen*",
        "crime*", "criminal", "UCF-Crime", "XD-Violence", "UBnormal", "UCSD Ped*", "suspicious",
        "incident*", "hazard*", "unexpected event*", "rare event*", "irregular*", "shoplifting",
        "vandalism", "robbery", "assault*",
    ),
    "video": (
        "video*", "surveillance", "CCTV", "footage", "dashcam", "camera*", "UCF-Crime",
        "XD-Violence", "ShanghaiTech", "UBnormal", "CUHK Avenue", "UCSD Ped*", "VAD", "VAU",
        "WSVAD", "OVVAD",
    ),
    "language model": (
        "multimodal LLM", "multi-modal LLM", "MLLM", "LVLM", "VLLM", "Video-LLM", "VLM", "LLM",
        "LMM", "Video-LMM", "large multimodal", "large multi-modal", "language-image",
        "multimodal large language model", "multi-modal large language model",
        "large language model", "vision-language model", "vision-language", "visual-language",
        "vision and language", "vision-and-language", "language model", "multimodal large",
        "multi-modal large", "GPT*", "ChatGPT", "CLIP", "LLaVA*", "Qwen*", "InternVL*",
        "Video-LLaMA*", "VideoChat*", "BLIP*", "Gemini", "Gemma*", "LLaMA*", "InternLM*",
        "MiniCPM*", "DeepSeek*", "Claude", "foundation model", "chain-of-thought",
        "instruction tuning", "instruction-tuned", "text prompt", "textual prompt",
        "prompt learning", "natural language", "language description*", "text description*",
        "textual description*", "textual explanation*", "open-vocabulary", "language-guided",
        "captioning",
    ),
}  # fmt: skip
"""Every group must be met; each by any of its terms."""

DEFAULT_EXCLUDE: tuple[str, ...] = (
    "voice activity detection", "valence-arousal", "industrial anomaly", "defect detection",
    "MVTec", "VisA", "Real-IAD", "log anomaly", "time-series anomaly", "time series anomaly",
)  # fmt: skip
"""A paper mentioning any of these is a look-alike, never a candidate."""

DEFAULT_MIN_SCORE = 0.0
"""The rule strength (see `match_paper`) a paper needs besides meeting every group."""

_TITLE_WEIGHT = 1.0
_ABSTRACT_WEIGHT = 0.6
_REPEAT_BONUS = 0.1
_REFERENCE_SHARE = 0.25
_WORD = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_STOP = frozenset(
    ("a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on",
     "or", "the", "to", "towards", "via", "with", "without")
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a group, compiled."""

    text: str
    pattern: re.Pattern[str]
    caps: bool


@dataclass(frozen=True, slots=True)
class Group:
    """Terms of which at least one must be present."""

    name: str
    terms: tuple[Term, ...]
    literals: tuple[str, ...] = ()
    """Each term's first word in lowercase: a paper with none of them cannot meet the group,
    and plain substring search rules out most papers far faster than the patterns."""

    def is_possible(self, lowered: str) -> bool:
        """False when no term can be present in this lowercased text."""
        return any(word in lowered for word in self.literals)

    def is_met(self, text: str) -> bool:
        """True when any term is present in `text`."""
        return self.is_possible(text.lower()) and any(t.pattern.search(text) for t in self.terms)


def build_group(name: str, terms: Sequence[str]) -> Group:
    """A group of compiled terms and their first words."""
    compiled = tuple(compile_term(t) for t in terms)
    # the first word without a final "y", which plurals change ("anomaly" → "anomalies")
    literals = {re.split(r"[\s\-]+", t.strip().rstrip("*").lower())[0].rstrip("y") for t in terms}
    return Group(name, compiled, tuple(sorted(w for w in literals if w)))


@dataclass(frozen=True, slots=True)
class Rules:
    """The gate (groups, exclusions, minimum) and what ranks the papers that pass."""

    groups: tuple[Group, ...]
    exclude: Group = field(default_factory=lambda: build_group("exclude", ()))
    min_score: float = DEFAULT_MIN_SCORE
    reference: frozenset[str] = field(default_factory=frozenset)
    """Title words of the catalog's own papers; similarity to them only ranks, never gates."""

    def query_terms(self) -> tuple[str, ...]:
        """The first group's terms, the keyword query for the arXiv API (a superset)."""
        return tuple(t.text for t in self.groups[0].terms) if self.groups else ()


def build_rules(
    groups: Mapping[str, Sequence[str]] | None = None,
    exclude: Sequence[str] | None = None,
    min_score: float | None = None,
    reference_titles: Sequence[str] = (),
) -> Rules:
    """Rules from config values; empty or None means the built-in default of that part."""
    chosen = groups or DEFAULT_GROUPS
    return Rules(
        groups=tuple(build_group(name, terms) for name, terms in chosen.items()),
        exclude=build_group("exclude", exclude or DEFAULT_EXCLUDE),
        min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
        reference=frozenset(w for t in reference_titles for w in _words(t)),
    )


def compile_term(text: str) -> Term:
    """A term as a regular expression: word boundaries, plurals, `*` endings, hyphen = space."""
    text = text.strip()
    prefix = text.endswith("*")
    words = re.split(r"[\s\-]+", text.rstrip("*").strip())
    letters = [c for c in text if c.isalpha()]
    caps = bool(letters) and sum(c.isupper() for c in letters) >= 2 and text == text.upper()
    body = r"[\s\-‐–]*".join(re.escape(w) for w in words[:-1])
    body += (r"[\s\-‐–]*" if body else "") + _last_word(words[-1], prefix, caps)
    before = r"(?<![A-Z0-9])" if caps else r"(?<![A-Za-z0-9])"
    after = "" if prefix else r"(?![A-Za-z0-9])"
    flags = 0 if caps else re.IGNORECASE
    return Term(text, re.compile(before + body + after, flags), caps)


def _last_word(word: str, prefix: bool, caps: bool) -> str:
    if prefix:
        return re.escape(word) + r"[\w\-]*?" if caps else re.escape(word) + r"\w*"
    if caps:
        return re.escape(word) + "s?"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:s|es)?"


def match_paper(paper: Paper, rules: Rules) -> Match | None:
    """Why `paper` passes the rules and how relevant it looks (0–1), or None if it does not."""
    text = f"{paper.title}\n|\n{paper.abstract}"
    lowered = text.lower()
    if not all(group.is_possible(lowered) for group in rules.groups):
        return None
    if rules.exclude.is_met(text):
        return None
    strengths: list[float] = []
    terms: list[str] = []
    for group in rules.groups:
        found = _group_strength(group, paper)
        if found is None:
            return None
        strengths.append(found[0])
        terms.append(found[1])
    strength = _mean(strengths)
    if strength < rules.min_score:
        return None
    score = strength
    if rules.reference:
        share = _similarity(paper.title, rules.reference)
        score = (1 - _REFERENCE_SHARE) * strength + _REFERENCE_SHARE * share
    return Match(round(score, 3), _distinct(terms))


def _group_strength(group: Group, paper: Paper) -> tuple[float, str] | None:
    """How strongly a group is met (title beats abstract, repeats help) and the term shown."""
    best: tuple[float, str] | None = None
    for term in group.terms:
        in_title = _hits(term, paper.title)
        in_abstract = _hits(term, paper.abstract)
        if not in_title and not in_abstract:
            continue
        base = _TITLE_WEIGHT if in_title else _ABSTRACT_WEIGHT
        strength = min(1.0, base + _REPEAT_BONUS * (len(in_abstract) - 1 if in_abstract else 0))
        shown = _CAPITALISED.sub(lambda m: m.group(0).lower(), (in_title or in_abstract)[0])
        if best is None or strength > best[0]:
            best = (strength, shown)
    return best


def _distinct(terms: Sequence[str]) -> tuple[str, ...]:
    """Terms to show, without one inside another ("video" when "video anomaly" is shown)."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term.casefold() in k.casefold() for k in kept):
            kept.append(term)
    return tuple(t for t in terms if t in kept)


def _hits(term: Term, text: str) -> list[str]:
    return term.pattern.findall(text)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _similarity(title: str, reference: frozenset[str]) -> float:
    """Share of a title's words that the catalog's titles also use."""
    words = _words(title)
    return len(words & reference) / len(words) if words else 0.0
