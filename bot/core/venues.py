"""Where a paper was accepted, read from its arXiv `comment` and `journal_ref` strings.

`parse_venue("Accepted to CVPR 2025", None)` is `Venue("CVPR", 2025, False, "main")`. The design is
a table of venues with their aliases (`VENUES`) and a few rules, each explained where it is
written: a venue named next to "under review", "submitted to" or "extension of" does not count;
a workshop, findings, datasets-and-benchmarks, demo, challenge or short-paper track is read from
the words around the venue; the year is the one attached to the venue ("CVPR2025", "ICCV25",
"AAAI-26", "MM '25"), else the nearest one after it, else the nearest one before it.

Strict by design: a venue is only returned when the text names one from the table (or when the
`journal_ref` field, which arXiv keeps for the published reference, names a journal). Inputs are
cut to `MAX_CHARS` and every pattern is linear, so hostile strings cost little.
Examples in the comments are real strings from `tests/data/venue_strings.jsonl`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_CHARS = 2000
"""Each field is cut to this many characters: real arXiv comments are a few hundred at most."""


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a paper was accepted; all empty (`NONE`) when the strings name no acceptance."""

    venue: str | None
    year: int | None
    workshop: bool
    track: str | None


NONE = Venue(None, None, False, None)


@dataclass(frozen=True, slots=True)
class VenueInfo:
    """One venue of the table: its short name, how it is written, and when it can take place."""

    name: str
    acronyms: tuple[str, ...] = ()
    """Written glued to a year or not ("CVPR2025", "ICCV25"); case-insensitive unless `exact`."""
    names: tuple[str, ...] = ()
    """Long names, case-insensitive; any run of spaces between their words."""
    exact: bool = False
    """Acronym case matters (ACL is also a knee ligament, TIP and MM are words or units)."""
    needs_year: bool = False
    """Only counted with a year glued to it: "ACL 2025" is the venue, "ACL tear" is not."""
    parity: int | None = None
    """1: held in odd years only, 0: in even years only."""
    since: int | None = None
    """First year the venue took place."""


VENUES: tuple[VenueInfo, ...] = (
    # Computer vision conferences.
    VenueInfo(
        "CVPR",
        ("CVPR",),
        (
            "Conference on Computer Vision and Pattern Recognition",
            "Computer Vision and Pattern Recognition",
        ),
        since=1983,
    ),
    # ICCV has been biennial in odd years (2019 Seoul, 2021 online, 2023 Paris, 2025 Honolulu),
    # ECCV and ACCV in even years (ECCV 2020 online, 2022 Tel Aviv, 2024 Milan, 2026 Malmö;
    # ACCV 2020 Kyoto, 2022 Macau, 2024 Hanoi).
    VenueInfo(
        "ICCV", ("ICCV",), ("International Conference on Computer Vision",), parity=1, since=1987
    ),
    VenueInfo("ECCV", ("ECCV",), ("European Conference on Computer Vision",), parity=0, since=1990),
    VenueInfo("ACCV", ("ACCV",), ("Asian Conference on Computer Vision",), parity=0, since=1993),
    VenueInfo(
        "WACV", ("WACV",), ("Winter Conference on Applications of Computer Vision",), since=1992
    ),
    VenueInfo("BMVC", ("BMVC",), ("British Machine Vision Conference",), since=1990),
    VenueInfo("3DV", ("3DV",), ("International Conference on 3D Vision",), exact=True, since=2013),
    VenueInfo("ICPR", ("ICPR",), ("International Conference on Pattern Recognition",)),
    VenueInfo("ICIP", ("ICIP",), ("International Conference on Image Processing",)),
    VenueInfo("ICME", ("ICME",), ("International Conference on Multimedia and Expo",)),
    VenueInfo("ICDAR", ("ICDAR",), ("International Conference on Document Analysis",)),
    VenueInfo("SIGGRAPH Asia", ("SIGGRAPH Asia",)),
    VenueInfo("SIGGRAPH", ("SIGGRAPH",)),
    VenueInfo(
        "MICCAI",
        ("MICCAI",),
        (
            "Medical Image Computing and Computer Assisted Intervention",
            "Medical Image Computing and Computer-Assisted Intervention",
        ),
        since=1998,
    ),
    VenueInfo("ISBI", ("ISBI",), ("International Symposium on Biomedical Imaging",)),
    # Machine learning and AI.
    VenueInfo(
        "NeurIPS", ("NeurIPS", "NIPS"), ("Neural Information Processing Systems",), since=1987
    ),
    VenueInfo("ICML", ("ICML",), ("International Conference on Machine Learning",)),
    VenueInfo(
        "ICLR", ("ICLR",), ("International Conference on Learning Representations",), since=2013
    ),
    VenueInfo("AAAI", ("AAAI",), ("AAAI Conference on Artificial Intelligence",), since=1980),
    VenueInfo("IJCAI", ("IJCAI",), ("International Joint Conference on Artificial Intelligence",)),
    VenueInfo(
        "KDD",
        ("KDD", "SIGKDD"),
        ("Knowledge Discovery and Data Mining",),
        exact=True,
        needs_year=True,
    ),
    VenueInfo("WWW", ("WWW",), ("The Web Conference",), exact=True, needs_year=True),
    # Multimedia. "MM" alone is millimetres: only with an apostrophe year ("MM '25", "MM'25").
    VenueInfo(
        "ACM MM",
        ("ACM MM", "ACMMM", "ACM-MM", "ACM Multimedia"),
        ("ACM International Conference on Multimedia",),
    ),
    VenueInfo("MMSys", ("MMSys",)),
    # Language and speech.
    VenueInfo(
        "ACL",
        ("ACL",),
        ("Annual Meeting of the Association for Computational Linguistics",),
        exact=True,
        needs_year=True,
    ),
    VenueInfo("EMNLP", ("EMNLP",), ("Empirical Methods in Natural Language Processing",)),
    VenueInfo("NAACL", ("NAACL",)),
    VenueInfo("COLING", ("COLING",)),
    VenueInfo("LREC", ("LREC",)),
    VenueInfo("Interspeech", ("Interspeech",)),
    VenueInfo(
        "ICASSP",
        ("ICASSP",),
        (
            "Conference on Acoustics, Speech and Signal Processing",
            "Conference on Acoustics, Speech, and Signal Processing",
        ),
    ),
    VenueInfo("ASRU", ("ASRU",), ("Automatic Speech Recognition and Understanding",)),
    # Robotics and vehicles. ICRAI ("International Conference on Robotics and Automation in
    # Industry") is its own venue, not ICRA: the longer name wins where both fit.
    VenueInfo("ICRA", ("ICRA",), ("International Conference on Robotics and Automation",)),
    VenueInfo(
        "ICRAI", ("ICRAI",), ("International Conference on Robotics and Automation in Industry",)
    ),
    VenueInfo("IROS", ("IROS",), ("International Conference on Intelligent Robots and Systems",)),
    VenueInfo("CoRL", ("CoRL",), ("Conference on Robot Learning",)),
    VenueInfo("IV", ("IV",), ("Intelligent Vehicles Symposium",), exact=True, needs_year=True),
    VenueInfo("ICDL", ("ICDL",), ("International Conference on Development and Learning",)),
    VenueInfo("ITSC", ("ITSC",), ("Intelligent Transportation Systems Conference",)),
    # Journals.
    VenueInfo(
        "TPAMI",
        ("TPAMI", "T-PAMI", "PAMI"),
        ("Transactions on Pattern Analysis and Machine Intelligence",),
    ),
    VenueInfo("IJCV", ("IJCV",), ("International Journal of Computer Vision",)),
    VenueInfo("TIP", ("TIP",), ("Transactions on Image Processing",), exact=True),
    VenueInfo(
        "TCSVT", ("TCSVT", "T-CSVT"), ("Transactions on Circuits and Systems for Video Technology",)
    ),
    VenueInfo("TMM", ("TMM",), ("Transactions on Multimedia",), exact=True),
    VenueInfo("TNNLS", ("TNNLS",), ("Transactions on Neural Networks and Learning Systems",)),
    VenueInfo("TIFS", ("TIFS",), ("Transactions on Information Forensics and Security",)),
    VenueInfo("TGRS", ("TGRS",), ("Transactions on Geoscience and Remote Sensing",)),
    VenueInfo("TMI", ("TMI",), ("Transactions on Medical Imaging",), exact=True),
    VenueInfo("RA-L", ("RA-L", "RAL"), ("Robotics and Automation Letters",), exact=True),
    VenueInfo(
        "Pattern Recognition Letters", ("PRL",), ("Pattern Recognition Letters",), exact=True
    ),
    VenueInfo("Pattern Recognition", (), ("Pattern Recognition journal", "Pattern Recognition")),
    VenueInfo("ISPRS JPRS", (), ("ISPRS Journal of Photogrammetry and Remote Sensing",)),
    VenueInfo("Medical Image Analysis", ("MedIA",), ("Medical Image Analysis",), exact=True),
    VenueInfo("CVIU", ("CVIU",), ("Computer Vision and Image Understanding",)),
    VenueInfo("Neurocomputing", ("Neurocomputing",)),
    VenueInfo("Information Fusion", (), ("Information Fusion",)),
    VenueInfo("Knowledge-Based Systems", (), ("Knowledge-Based Systems",)),
    VenueInfo("ESWA", ("ESWA",), ("Expert Systems with Applications",)),
    VenueInfo("TMLR", ("TMLR",), ("Transactions on Machine Learning Research",)),
)

BY_NAME = {v.name: v for v in VENUES}

_YEAR_GLUE = r"(?:\s?['’]\s?|-|_|\s)?(?P<year>(?:19|20)\d\d|\d\d)(?![\d])"
"""A year glued to an acronym: "CVPR2025", "ICCV25", "ICCV'25", "AAAI-26", "AAAI'2026", "ICPR'24".
Two digits only with no space before them ("ICCV25", "AAAI-26"), checked in `_glued_year`."""


def _key(text: str) -> str:
    return re.sub(r"[\s-]+", " ", text).strip().lower()


def _lookup() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Spelling -> venue, for case-insensitive acronyms, exact acronyms and long names."""
    loose: dict[str, str] = {}
    exact: dict[str, str] = {}
    names: dict[str, str] = {}
    for v in VENUES:
        for acro in v.acronyms:
            if v.exact:
                exact[acro] = v.name
            else:
                loose[_key(acro)] = v.name
        for name in v.names:
            names[_key(name)] = v.name
    return loose, exact, names


_LOOSE, _EXACT, _NAMES = _lookup()


def _alternation(spellings: list[str], *, spaced: bool) -> str:
    """One alternation, longest spelling first, so "ICRAI" beats "ICRA" and "Pattern Recognition
    Letters" beats "Pattern Recognition" where both fit."""
    parts = []
    for text in sorted(spellings, key=len, reverse=True):
        words = [re.escape(w) for w in text.split()]
        parts.append((r"[\s-]+" if spaced else r"\s*").join(words))
    return "|".join(parts)


_LOOSE_W = [a for a in _LOOSE if len(a) >= 4 and a.isalpha()]
# Acronyms are followed by no letter, so "ICRA" is not found in "ICRAI"; digits may follow
# ("CVPR2025", "MICCAI2025"). "CVPRW 2025", "CVPRw 2026", "ICCVW": the W spelling is the workshops.
# "MM '25", "MM'25" are ACM MM only with the apostrophe year (2507.19778 "Accepted by MM '25",
# 2510.02787 "…on Multimedia (MM '25)"); "MM" alone is millimetres.
_MENTION = re.compile(
    rf"(?P<name>(?i:\b(?:{_alternation(list(_NAMES), spaced=True)})\b))"
    rf"|(?<![A-Za-z0-9])(?:"
    rf"(?P<loose>(?i:{_alternation(list(_LOOSE), spaced=False)}))(?![A-Za-z])"
    rf"|(?P<exact>{_alternation(list(_EXACT), spaced=False)})(?![A-Za-z])"
    rf"|(?P<wshop>(?i:{_alternation(_LOOSE_W, spaced=False)}))[Ww](?![A-Za-z])"
    rf"|(?P<mm>MM)(?=\s?['’]\s?\d\d(?!\d)))"
)
_GLUED = re.compile(_YEAR_GLUE)
_YEAR = re.compile(r"(?<![\d.:/])(?:19|20)\d\d(?![\d])")
_URL = re.compile(r"(?:https?://|www\.)\S*|\\href\{[^}]*\}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Sentences: a full stop before a capital, a semicolon, a vertical bar. "arXiv:2406.13457" and
# "Proc. of" stay whole. Clauses inside a sentence: commas.
_SENTENCE = re.compile(r"\.\s+(?=[A-Z\[(])|;|\|")
_CLAUSE = re.compile(r",")

# Pending: the venue is where the paper was sent, not where it was accepted.
# 2510.02815 "ICLR2026 under review", 2510.03363 "Submitted to IEEE Transactions on Pattern
# Analysis…", 2604.04554 "yet to be submitted to IJCV", 2605.05753 "under review by the IEEE
# Transactions on Circuits and Systems for Video Technology (TCSVT)".
_PENDING = re.compile(
    r"\b(?:under\s+(?:review|submission|consideration)|submitted|in\s+submission"
    r"|submission\s+to|rejected|withdrawn)\b",
    re.IGNORECASE,
)
# Extension: the venue is an earlier paper's, whatever follows in the same clause.
# 2505.09358 "Journal extension of our CVPR 2024 paper", 2605.21796 "Extended version of the paper
# published at LREC 2026", 2602.10137 "an extended version of the study presented at IEEE
# SoutheastCon2025". A new acceptance in another clause still counts: 2509.13116 "An extension of
# our CVPR 2023 paper, …, accepted for publication in TPAMI".
_EXTENSION = re.compile(
    r"\b(?:extension\s+of|extended\s+(?:journal\s+)?version\s+of|extends\s+(?:our|the)"
    r"|extended\s+from)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(?:accepted|to\s+appear|published|appears?\s+in|camera[\s-]*ready|proceedings"
    r"|presented)\b",
    re.IGNORECASE,
)

# Tracks, read from the words between the venue and its neighbours; the first that fits wins.
# 2511.14394 "NeurIPS 2025 (Datasets and Benchmarks track, oral)", 2606.06926 "KDD 2026 (Datasets
# and Benchmarks Track)"; 2604.24396 "Findings of ACL 2025", 2606.08231 "ACL 2026, Findings";
# 2506.15298 "Micro-Expression Grand Challenge (MEGC) at ACM MM 2025", 2505.20644 "solution for the
# Ego4D EgoSchema Challenge at the CVPR EgoVis Workshop 2025".
_TRACKS = (
    ("challenge", re.compile(r"\bchallenges?\b|\bcompetition\b", re.IGNORECASE)),
    ("datasets", re.compile(r"\bdatasets?\s*(?:and|&)\s*benchmarks?\b|\bD\s?&\s?B\b", re.I)),
    ("findings", re.compile(r"\bfindings\b", re.IGNORECASE)),
    ("demo", re.compile(r"\bdemo(?:nstration)?s?\s+(?:track|paper|session|program)", re.I)),
    ("short", re.compile(r"\bshort\s+paper", re.IGNORECASE)),
)
_WORKSHOP = re.compile(r"\bworkshops?\b", re.IGNORECASE)

_JOURNAL_CUT = re.compile(r"\s*(?:[,(\[:;]|\bv(?:ol)?\.?\s*\d|\d|\bpp\b|\bno\.\s)", re.I)


@dataclass(frozen=True, slots=True)
class _Mention:
    venue: str
    start: int
    end: int
    workshop_spelling: bool
    glued_year: int | None


def _clean(text: str | None) -> str:
    if not text:
        return ""
    text = _URL.sub(" ", text[:MAX_CHARS])
    return _SPACES.sub(" ", text).strip()


def _two_digit(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _glued_year(text: str, end: int) -> int | None:
    m = _GLUED.match(text, end, min(len(text), end + 8))
    if not m:
        return None
    digits = m.group("year")
    separator = m.group(0)[: -len(digits)]
    if len(digits) == 2 and separator and not separator.strip():
        return None  # "CVPR 25 pages" is not a year; "ICCV25", "ICCV '25", "AAAI-26" are.
    return _two_digit(digits)


def _mentions(text: str) -> list[_Mention]:
    found: list[_Mention] = []
    for m in _MENTION.finditer(text):
        kind, spelled = m.lastgroup or "", m.group(0)
        if kind == "name":
            venue = _NAMES[_key(spelled)]
        elif kind == "exact":
            venue = _EXACT.get(spelled) or _EXACT[re.sub(r"\s+", " ", spelled)]
        elif kind == "mm":
            venue = "ACM MM"
        else:
            venue = _LOOSE[_key(spelled[:-1] if kind == "wshop" else spelled)]
        year = _glued_year(text, m.end())
        if BY_NAME[venue].needs_year and year is None:
            continue
        found.append(_Mention(venue, m.start(), m.end(), kind == "wshop", year))
    return found


def _spans(text: str, splitter: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in splitter.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _around(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next((s, e) for s, e in spans if s <= pos <= e)


def _pending(text: str, mention: _Mention, clause: tuple[int, int]) -> bool:
    """Is this mention a submission or an earlier paper, going by its own clause?"""
    start, end = clause
    before = text[start : mention.start]
    if _EXTENSION.search(before):
        return True
    cues = sorted(
        [(m.start(), False) for m in _PENDING.finditer(text, start, end)]
        + [(m.start(), True) for m in _POSITIVE.finditer(text, start, end)]
    )
    earlier = [good for pos, good in cues if pos < mention.start]
    if earlier:
        return not earlier[-1]  # the nearest cue before the venue decides
    return any(not good for _, good in cues)  # "ICLR2026 under review"


def _year_for(
    text: str, mention: _Mention, limit: tuple[int, int], others: list[int]
) -> int | None:
    """The glued year, else the nearest one after (same sentence, before the next venue),
    else the nearest one before (same sentence, after the previous venue)."""
    if mention.glued_year is not None:
        return mention.glued_year
    stop = min([limit[1], mention.end + 45, *[p for p in others if p > mention.end]])
    after = _YEAR.search(text, mention.end, max(stop, mention.end))
    if after:
        return int(after.group(0))
    # 2507.18503 "the 2025 IEEE International Conference on Development and Learning (ICDL)",
    # 2606.14766 "the 2026 International Conference on Robotics and Automation in Industry".
    begin = max([limit[0], mention.start - 60, *[p for p in others if p < mention.start]])
    before = list(_YEAR.finditer(text, begin, mention.start))
    return int(before[-1].group(0)) if before else None


def _track(segment: str, workshop_spelling: bool) -> tuple[bool, str]:
    workshop = workshop_spelling or bool(_WORKSHOP.search(segment))
    for name, pattern in _TRACKS:
        if pattern.search(segment):
            return workshop, name
    return workshop, "workshop" if workshop else "main"


def _from_text(text: str) -> Venue | None:
    mentions = _mentions(text)
    if not mentions:
        return None
    sentences = _spans(text, _SENTENCE)
    for sentence in sentences:
        inside = [m for m in mentions if sentence[0] <= m.start < sentence[1] + 1]
        clauses = _spans(text[: sentence[1]], _CLAUSE)
        clauses = [(max(s, sentence[0]), e) for s, e in clauses if e >= sentence[0]]
        for mention in inside:
            clause = _around(clauses, mention.start)
            if _pending(text, mention, clause) or _pending_later(
                text, mention, clause, sentence, inside
            ):
                continue
            others = [m.start for m in inside if m.venue != mention.venue] + [
                m.end for m in inside if m.venue != mention.venue
            ]
            seg_start = max(
                [
                    sentence[0],
                    *[m.end for m in inside if m.venue != mention.venue and m.end <= mention.start],
                ]
            )
            seg_end = min(
                [
                    sentence[1],
                    *[
                        m.start
                        for m in inside
                        if m.venue != mention.venue and m.start >= mention.end
                    ],
                ]
            )
            # The acronym after a long name carries the year: 2603.09446 "the 40th AAAI
            # Conference on Artificial Intelligence (AAAI-26)", 2604.05323 "the 2026 IEEE
            # International Conference on Multimedia and Expo (ICME 2026)".
            again = [m for m in inside if m.venue == mention.venue and m.start > mention.start]
            year = next((m.glued_year for m in again if m.glued_year), None) or _year_for(
                text, mention, sentence, others
            )
            workshop, track = _track(text[seg_start:seg_end], mention.workshop_spelling)
            return Venue(mention.venue, year, workshop, track)
    return None


def _pending_later(
    text: str,
    mention: _Mention,
    clause: tuple[int, int],
    sentence: tuple[int, int],
    inside: list[_Mention],
) -> bool:
    """ "NeurIPS 2025, under review": a later clause of the same sentence that names no venue of
    its own and says the paper is pending speaks for this venue, unless its clause says accepted."""
    if _POSITIVE.search(text, clause[0], clause[1]):
        return False
    rest_start = clause[1]
    if any(m.start >= rest_start for m in inside):
        return False
    return bool(_PENDING.search(text, rest_start, sentence[1]))


def _journal_name(journal_ref: str) -> Venue | None:
    """A journal_ref that names no venue of the table: its name before volume, pages and year.
    "J. Number Theory v291 (2027)" is ("J. Number Theory", 2027)."""
    cut = _JOURNAL_CUT.search(journal_ref)
    name = (journal_ref[: cut.start()] if cut else journal_ref).strip(" .-")
    if len(name) < 3 or len(name) > 80 or not any(c.isalpha() for c in name):
        return None
    years = _YEAR.findall(journal_ref)
    return Venue(name, int(years[-1]) if years else None, False, "main")


def parse_venue(comment: str | None, journal_ref: str | None) -> Venue:
    """The venue, year, workshop flag and track the paper was accepted at, or `NONE`.

    The journal_ref wins over the comment: arXiv keeps it for the published reference."""
    ref = _clean(journal_ref)
    if ref:
        found = _from_text(ref)
        if found:
            return found
    found = _from_text(_clean(comment))
    if found:
        return found
    if ref and not _PENDING.search(ref):
        return _journal_name(ref) or NONE
    return NONE


def is_possible(venue: str | None, year: int | None, *, this_year: int | None = None) -> str | None:
    """A one-line reason when this venue cannot have taken place in this year, else None."""
    if venue is None or year is None:
        return None
    now = this_year if this_year is not None else datetime.now(UTC).year
    if year > now + 1:
        return f"{venue} {year} is more than a year ahead of {now}"
    if year < 1950:
        return f"{year} is before any venue in the table"
    info = BY_NAME.get(venue)
    if info is None:
        return None
    if info.since is not None and year < info.since:
        return f"{venue} was first held in {info.since}"
    if info.parity is not None and year % 2 != info.parity:
        return f"{venue} is held in {'odd' if info.parity else 'even'} years only"
    return None


def venue_record(record: dict[str, Any]) -> dict[str, Any]:
    """One input object (`arxiv_id`, `comment`, `journal_ref`, either may be missing or null)
    mapped to `{"arxiv_id", "venue", "year", "workshop", "track"}`."""

    def text(key: str) -> str | None:
        value = record.get(key)
        return value if isinstance(value, str) else None

    found = parse_venue(text("comment"), text("journal_ref"))
    return {
        "arxiv_id": record.get("arxiv_id"),
        "venue": found.venue,
        "year": found.year,
        "workshop": found.workshop,
        "track": found.track,
    }
