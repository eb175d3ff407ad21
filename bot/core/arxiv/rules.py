"""Which arXiv papers are candidates, which are "maybe": term groups as the gate, the strength of
evidence as rank, and the lanes (at the end of this module).

A paper passes when its title or abstract meets EVERY group (any of its terms), the "together"
groups (anomaly and video) meet in one sentence or in the title (or the title states the anomaly
and the video is anywhere), and no excluded term applies. Words a paper denies ("no language
model", "without video", "unlike video-based systems, …") are not its evidence.
The term syntax (`A | B`, `T except X`, `T if X`, `T unless X`, `*` endings, case-sensitive
ALL-CAPS) is in `bot.core.arxiv.terms`. Context matters because generic words mislead on their
own (measured on written look-alikes, `tests/data/arxiv_probes.jsonl`).

The score (`score_paper`, 0–1) ranks what passes by the strength of the evidence: groups met in
the title, anomaly and video in one sentence and within a few words ("video anomaly detection"
beats the words scattered), repeats, mentions in the paper's own work ("we propose …") rather
than in what it turns away from ("… rely on LLMs. We instead …", which does not count at all),
and, a little, similarity to the catalog's own titles.

The built-in defaults, and the settings of these heuristics (denial window, contrast, title rule,
score weights, minimum score), live in the data file `rules.toml`, read by
`bot.core.arxiv.defaults`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.core.arxiv.defaults import DEFAULT_EXCLUDE as DEFAULT_EXCLUDE
from bot.core.arxiv.defaults import DEFAULT_GROUPS as DEFAULT_GROUPS
from bot.core.arxiv.defaults import DEFAULT_MIN_SCORE as DEFAULT_MIN_SCORE
from bot.core.arxiv.defaults import (
    DEFAULT_QUERY,
    DEFAULT_SETTINGS,
    DEFAULT_TOGETHER,
    LOOSE_EXCLUDE,
    LOOSE_GROUPS,
    Settings,
)
from bot.core.arxiv.terms import Group, alternatives, build_group, split_context
from bot.core.models import Match, Paper

if TYPE_CHECKING:
    from bot.core.arxiv.ranker import Ranker

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_TURN = re.compile(r"(?:we\s+instead|(?:instead|in contrast|by contrast|rather),?\s+we)\b", re.I)
_DENIED = re.compile(
    r"(?:\b(?:no|without)\s+(?:(?:any|a|an)\s+)?(?:[\w-]+\s+(?:or|nor)\s+)?"
    r"|\bunlike\b[^,;:]*)\Z",
    re.IGNORECASE,
)
_COMPARED = re.compile(
    r"\b(?:outperform\w*|compared\s+(?:with|to)|comparisons?|than|baselines?)\b", re.IGNORECASE
)
_OWN = re.compile(r"\b(?:we|our|this paper|this work|propos\w*|introduc\w*)\b", re.IGNORECASE)
_UNICODE = str.maketrans({"‐": "-", "‑": "-", "–": "-", "—": "-", "’": "'", "“": '"', "”": '"'})
_WORD = re.compile(r"[a-z0-9]+")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
# words as one line of text: a list literal would be laid out one word per line
_STOP = frozenset(
    "a an and are as at by for from in into is of on or the to towards via with without".split()  # noqa: SIM905
)


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
    settings: Settings = DEFAULT_SETTINGS
    """The heuristics' named settings (`rules.toml` [settings])."""

    def query_terms(self) -> tuple[str, ...]:
        """Keywords for the arXiv API: `query`, else the first group's terms without context."""
        if self.query or not self.groups:
            return self.query
        heads = (h for t in self.groups[0].terms for h in alternatives(split_context(t.text)[0]))
        return tuple(dict.fromkeys(heads))


def build_rules(
    groups: Mapping[str, Sequence[str]] | None = None,
    exclude: Sequence[str] | None = None,
    min_score: float | None = None,
    reference_titles: Sequence[str] = (),
    together: Sequence[str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Rules:
    """Rules from config values; empty or None means the built-in default of that part.
    `settings` overrides named heuristics (ValueError for an unknown one); `min_score` wins."""
    chosen = groups or DEFAULT_GROUPS
    paired = DEFAULT_TOGETHER if together is None else together
    tuned = DEFAULT_SETTINGS.replace(settings or {})
    if min_score is not None:
        tuned = tuned.replace({"min_score": min_score})
    return Rules(
        groups=tuple(build_group(name, terms) for name, terms in chosen.items()),
        exclude=build_group("exclude", exclude or DEFAULT_EXCLUDE),
        min_score=tuned.min_score,
        reference=frozenset(w for t in reference_titles for w in _words(t)),
        together=tuple(name for name in paired if name in chosen),
        query=() if groups else DEFAULT_QUERY,
        settings=tuned,
    )


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

    def is_met(self, together: Sequence[str], title_sentences: int = 2) -> bool:
        """Every group counts, the `together` ones in a common sentence, unless the first of
        them is in the title: a title that states the anomaly needs the others only in
        `title_sentences` sentences anywhere."""
        if not all(self.sentences.values()):
            return False
        common = [set(self.sentences[name]) for name in together]
        if not common or set.intersection(*common):
            return True
        # one passing mention ("results on frames taken from videos") is not a video context
        return 0 in common[0] and all(len(c) >= title_sentences for c in common[1:])

    def strength(self, together: Sequence[str], settings: Settings = DEFAULT_SETTINGS) -> float:
        """0–1: groups in the title, joined in one sentence, repeated, in the paper's own work."""
        found = list(self.sentences.values())
        if not found:
            return 0.0
        common = set.intersection(*(set(self.sentences[n]) for n in together or self.sentences))
        joint = 1.0 if 0 in common else 0.5 if common else 0.0
        in_title = _mean([0 in s for s in found])
        repeated = _mean([min(1.0, len(s) / 4) for s in found])
        own = _mean([bool(set(s) & (self.own | {0})) for s in found])
        s = settings
        return (
            s.weight_title * in_title
            + s.weight_together * joint
            + s.weight_close * self.close
            + s.weight_repeated * repeated
            + s.weight_own * own
        )


def find_evidence(
    paper: Paper,
    groups: Sequence[Group],
    together: Sequence[str] = (),
    settings: Settings = DEFAULT_SETTINGS,
) -> Evidence:
    """Which sentences of `paper` meet each group, and the term to show for each."""
    title = paper.title.translate(_UNICODE)
    abstract = paper.abstract.translate(_UNICODE)
    text, at = f"{title}\n|\n{abstract}", len(title) + 3
    starts = [0, at] + [at + m.end() for m in _SENTENCE_END.finditer(abstract)]
    # what the paper turns away from ("… rely on LLMs. We instead …") is not its evidence
    turned = {
        i - 1 for i, a in enumerate(starts) if settings.contrast and i > 1 and _TURN.match(text, a)
    }
    sentences: dict[str, tuple[int, ...]] = {}
    positions: dict[str, list[int]] = {}
    shown: list[str] = []
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    compared = {
        i
        for i, (a, b) in enumerate(bounds)
        if settings.comparison and i and _COMPARED.search(text, a, b)
    }
    for group in groups:
        spans = [(a, b, bisect_right(starts, a) - 1) for a, b in group.spans(text)]
        if group.name not in together:
            # an ingredient named only as what the paper beats is not its ingredient
            spans = [s for s in spans if s[2] not in compared]
        window = settings.denial_window
        spans = [
            s for s in spans if s[2] not in turned and not _is_denied(text, s[0], starts, window)
        ]
        sentences[group.name] = tuple(s[2] for s in spans)
        positions[group.name] = [s[0] for s in spans]
        if spans:
            start, end, _ = spans[0]
            shown.append(_CAPITALISED.sub(lambda m: m.group(0).lower(), text[start:end]))
    own = frozenset(i for i, (a, b) in enumerate(bounds) if _OWN.search(text, a, b))
    close = _is_close(positions, together, settings.close_window)
    return Evidence(sentences, own, _distinct(shown), close)


def _is_denied(text: str, at: int, starts: Sequence[int], window: int) -> bool:
    """True when the words just before `at` deny it ("no language model", "without video",
    "unlike video-based systems, …"): what a paper says it does not use is not its evidence."""
    start = max(starts[bisect_right(starts, at) - 1], at - window)
    return bool(_DENIED.search(text, start, at))


def _is_close(positions: Mapping[str, list[int]], together: Sequence[str], close: int) -> bool:
    """True when every `together` group has a hit within `close` characters of the first's."""
    if len(together) < 2:
        return False
    first, *others = (positions.get(name, []) for name in together)
    return any(all(any(abs(a - b) <= close for b in other) for other in others) for a in first)


def match_paper(paper: Paper, rules: Rules) -> Match | None:
    """Why `paper` passes the rules and how relevant it looks (0–1), or None if it does not."""
    lowered = f"{paper.title}\n{paper.abstract}".lower()
    if not all(group.is_possible(lowered) for group in rules.groups):
        return None  # most papers: no need to run the patterns
    if rules.exclude.is_met(f"{paper.title}\n|\n{paper.abstract}".translate(_UNICODE)):
        return None
    evidence = find_evidence(paper, rules.groups, rules.together, rules.settings)
    if not evidence.is_met(rules.together, rules.settings.title_sentences):
        return None
    score = _ranked(evidence.strength(rules.together, rules.settings), paper, rules)
    return Match(round(score, 3), evidence.shown) if score >= rules.min_score else None


def score_paper(paper: Paper, rules: Rules) -> float:
    """How strongly `paper` looks relevant (0–1), whether or not it passes the gate."""
    evidence = find_evidence(paper, rules.groups, rules.together, rules.settings)
    return round(_ranked(evidence.strength(rules.together, rules.settings), paper, rules), 3)


def _ranked(strength: float, paper: Paper, rules: Rules) -> float:
    if not rules.reference:
        return strength
    share = _similarity(paper.title, rules.reference)
    part = rules.settings.reference_share
    return (1 - part) * strength + part * share


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


# ---------------------------------------------------------------------------- lanes
#
# Which lane a paper goes to: `candidate` (posted for votes), `maybe` (kept, ranked, shown in the
# digest and by `/vad maybe`), or `none`. Nothing that looks on-topic is silently dropped.
#
# * **candidate**: the rules' strong bar (`bot.core.arxiv.rules.match_paper`: anomaly, video and
#   language-model evidence, together, no look-alike exclusion).
# * **maybe**: the loose gate of `rules.toml` ([loose], [[loose_exclude]]) passes, i.e. the paper is
#   about anomalies, incidents, violence, accidents or crime in video or surveillance, with a
#   language model or not, but the candidate bar does not.
# * **none**: everything else.
#
# The learned ranker (`bot.core.arxiv.ranker`), when it has learned from both kinds of decisions,
# ranks both lanes and may move a paper between them, only within these bounds (settings in
# `rules.toml`): a maybe paper that meets every candidate group but one and no exclusion becomes a
# candidate at probability ≥ `promote_at`; a candidate falls to maybe below `demote_at`. It never
# moves a paper into or out of `none`.

Lane = Literal["candidate", "maybe", "none"]
LOOSE_RULES = build_rules(
    LOOSE_GROUPS, LOOSE_EXCLUDE, together=tuple(LOOSE_GROUPS)[:2], settings={"title_sentences": 1}
)
"""The maybe lane's gate, with the candidate gate's semantics (topic and scene in one sentence)
but looser: a title that names the topic needs the scene only once anywhere."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A paper's lane, its rank within the lane (0–1), why, and the words that weigh most."""

    lane: Lane
    score: float
    reasons: tuple[str, ...]
    evidence_words: tuple[str, ...]


def paper_text(paper: Paper) -> str:
    """What the ranker reads of a paper: title and abstract."""
    return f"{paper.title}. {paper.abstract}"


def classify(paper: Paper, rules: Rules, ranker: Ranker | None = None) -> Verdict:
    """The lane of `paper` under `rules`, ranked (and within bounds moved) by `ranker`."""
    settings = rules.settings
    match = match_paper(paper, rules)
    loose = match or match_paper(paper, LOOSE_RULES)
    if loose is None:
        return Verdict("none", 0.0, (), ())
    text = paper_text(paper)
    learned = ranker if ranker is not None and ranker.decides else None
    chance = learned.score(text) if learned else None
    reasons: list[str] = []
    lane: Lane
    if match is not None:
        lane = "candidate"
        reasons.append(f"rules: {' · '.join(match.terms)}")
        if chance is not None and chance < settings.demote_at:
            lane = "maybe"
            reasons.append(f"ranker {chance:.2f} < {settings.demote_at}: kept as maybe")
        strength = match.score
    else:
        lane = "maybe"
        reasons.append(f"loose gate: {' · '.join(loose.terms)}")
        if chance is not None and chance >= settings.promote_at and _nearly_met(paper, rules):
            lane = "candidate"
            reasons.append(f"ranker {chance:.2f} ≥ {settings.promote_at}: promoted")
        strength = score_paper(paper, rules)
    share = settings.ranker_share if chance is not None else 0.0
    score = (1 - share) * strength + share * (chance or 0.0)
    words = learned.evidence(text) if learned else ()
    return Verdict(lane, round(score, 3), tuple(reasons), words or loose.terms)


def _nearly_met(paper: Paper, rules: Rules) -> bool:
    """Every candidate group but one counts somewhere, and no exclusion applies."""
    if rules.exclude.is_met(f"{paper.title}\n|\n{paper.abstract}"):
        return False
    evidence = find_evidence(paper, rules.groups, rules.together, rules.settings)
    return sum(bool(s) for s in evidence.sentences.values()) >= len(rules.groups) - 1
