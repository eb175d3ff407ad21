"""Which lane a paper goes to: `candidate` (posted for votes), `maybe` (kept, ranked, shown in the
digest and by `/vad maybe`), or `none`. Nothing that looks on-topic is silently dropped.

* **candidate**: the rules' strong bar (`bot.core.arxiv.rules.match_paper`: anomaly, video and
  language-model evidence, together, no look-alike exclusion).
* **maybe**: the loose gate of `rules.toml` ([loose], [[loose_exclude]]) passes, i.e. the paper is
  about anomalies, incidents, violence, accidents or crime in video or surveillance, with a
  language model or not, but the candidate bar does not.
* **none**: everything else.

The learned ranker (`bot.core.arxiv.ranker`), when it has learned from both kinds of decisions,
ranks both lanes and may move a paper between them, only within these bounds (settings in
`rules.toml`): a maybe paper that meets every candidate group but one and no exclusion becomes a
candidate at probability ≥ `promote_at`; a candidate falls to maybe below `demote_at`. It never
moves a paper into or out of `none`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.arxiv.defaults import LOOSE_EXCLUDE, LOOSE_GROUPS
from bot.core.arxiv.ranker import Ranker
from bot.core.arxiv.rules import Rules, build_rules, find_evidence, match_paper, score_paper
from bot.core.models import Paper

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
