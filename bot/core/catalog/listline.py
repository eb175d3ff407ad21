"""One line of an awesome list read as data: its links, badges, venue, year, title and summary.

Real lists write the same facts many ways: shields.io badges, `[[paper](…)]`, `[Title](…)`,
bare or `<…>` URLs, `(CVPR 2024)`, `**[CVPR' 19]**`, `[ECCV 2024]`. This module knows them all;
`bot.core.catalog.importer` decides which lines are entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from bot.core.models import parse_arxiv_id

VENUES = {
    v.casefold().replace(" ", ""): v
    for v in (
        "NeurIPS",
        "ICML",
        "ICLR",
        "CVPR",
        "ICCV",
        "ECCV",
        "WACV",
        "BMVC",
        "ACCV",
        "AAAI",
        "IJCAI",
        "ACM MM",
        "ACL",
        "EMNLP",
        "NAACL",
        "KDD",
        "ICASSP",
        "ICME",
        "ICIP",
        "ICPR",
        "TPAMI",
        "TIP",
        "TMM",
        "TCSVT",
        "IJCV",
        "TNNLS",
        "CVPRW",
        "ICCVW",
        "ECCVW",
        "CoRL",
        "ICRA",
        "IROS",
        "WWW",
        "SIGIR",
        "arXiv",
        "AVSS",
        "ICMR",
        "MICCAI",
        "ITSC",
    )
}
VENUES["nips"] = "NeurIPS"
VENUES["acmmultimedia"] = "ACM MM"
VENUES["mm"] = "ACM MM"
VENUES["t-pami"] = VENUES["pami"] = VENUES["tpami"] = "TPAMI"
VENUES["t-ip"] = "TIP"

LABELS = {
    "paper": "paper",
    "pdf": "pdf",
    "arxiv": "arxiv",
    "code": "code",
    "github": "code",
    "repo": "code",
    "project": "project",
    "page": "project",
    "homepage": "project",
    "website": "project",
    "demo": "project",
    "project page": "project",
    "data": "data",
    "dataset": "data",
    "download": "data",
    "video": "video",
    "youtube": "video",
    "openreview": "openreview",
    "link": "",
    "url": "",
}
"""Link texts that name a kind of link rather than a title ("" = kind unknown)."""

_BADGE = re.compile(r"\[!\[([^\]]*)\]\(([^)\s]*)\)\]\(([^)\s]*)\)")
_BARE_BADGE = re.compile(r"(?<!\[)!\[([^\]]*)\]\((https://img\.shields\.io/[^)\s]*)\)(?!\])")
"""A badge that links nowhere (a venue without a paper link), as our own render writes it."""
_LABELED = re.compile(r"\[\[([^\]]+)\]\(([^)\s]*)\)\]|\[\[([^\]]+)\]\]\(([^)\s]*)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")
_BLANK_LINK = re.compile(r"(?<!!)\[\s*\]\(([^)\s]*)\)")
"""`[](https://…)`: a link whose text was forgotten; its URL is kept, no title is made up."""
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_BARE_URL = re.compile(r"(?<![(<\[])\bhttps?://[^\s)>\]]+")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_VENUE_WORDS = r"[A-Za-z][A-Za-z&/.\- ]{0,40}?"
_PAREN_VENUE = re.compile(
    rf"\(\s*({_VENUE_WORDS})\s*'?\s*((?:19|20)\d\d)\s*(?:\(([^()]*)\)|([^()]{{0,30}}?))\s*\)"
)
"""`(CVPR 2024)`, `(CVPR 2024 (Oral))`, `(NeurIPS 2025 D&B)`: the rest is a note."""
_BRACKET_VENUE = re.compile(
    rf"\*{{0,2}}\[\s*({_VENUE_WORDS})\s*(?:'\s*(\d\d)|\s(\d{{4}}))\s*\]\*{{0,2}}"
)
_SHORT_YEAR = re.compile(r"\b([A-Za-z][A-Za-z-]+)\s*(?:'\s*(\d\d)\b|\s(\d\d)'(?!\w))")
"""`CVPR '25`, `CVPR'19`, `T-PAMI '24`, and `CVPR 19'` (apostrophe after the year)."""
_TICK_VENUE = re.compile(r"`\s*([A-Za-z][A-Za-z&\- ]{1,30}?)\s*'?\s*((?:19|20)?\d\d)\b[^`]*`")
"""A venue in backticks with a 2- or 4-digit year: `CVPR 16`, ` CVPR 2019`, `ECCV 2020 Oral`."""
_LABEL_VENUE = re.compile(r"([A-Za-z][A-Za-z&\-. ]*?)?\s*'?\s*((?:19|20)\d\d)(?!\d)(.*)")
_OPEN, _CLOSE = "\x01", "\x02"
_LEAD_TITLE = re.compile(r"\s*(\*\*.+?\*\*|__.+?__|\x01[^\x02]+\x02)\s+-\s+(\S.*)")
"""A bold or linked title, then " - " and a description (the usual awesome-list line)."""
_DASH = re.compile(r"\s+[—–]\s+|\s+--\s+")
_LABEL_PREFIX = re.compile(r"^(?:datasets?|benchmarks?|数据集|数据)\s*[:：]\s*", re.IGNORECASE)

_BARE_VENUE = re.compile(
    r"(?<![\w/.-])("
    + "|".join(sorted((re.escape(v) for v in {*VENUES.values(), "NIPS"}), key=len, reverse=True))
    + r")\s*'?\s*((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
"""A known venue and a year in running text: "…, CVPR 2023." """

_EMPTY_LABEL = re.compile(
    r"\[(?:pdf|paper|code|github|project|arxiv|video|data)\](?![(\[])", re.IGNORECASE
)
"""A link label with no URL ("Title | **[CVPR' 19]** | [pdf]"): says nothing to keep."""

RawLink = tuple[str | None, str]
"""(link name or None when the line does not say, URL); the URL may be "" (an empty badge)."""


@dataclass(slots=True)
class LineItem:
    """What one line says about an entry."""

    title: str = ""
    links: list[RawLink] = field(default_factory=list)
    venue: str = ""
    year: int | None = None
    arxiv_id: str | None = None
    summary: str = ""
    note: str = ""
    preview: str | None = None
    blank_links: list[str] = field(default_factory=list)
    """URLs of links written with no text (`[](…)`): the line may have lost its title."""

    @property
    def has_links(self) -> bool:
        return bool(self.links)


def canonical_venue(text: str) -> str:
    """The usual spelling of a venue ("neurips" → "NeurIPS", "ACM_MM" → "ACM MM")."""
    cleaned = text.strip().strip("*_[]() ").replace("_", " ")
    return VENUES.get(cleaned.casefold().replace(" ", ""), cleaned)


def is_known_venue(text: str) -> bool:
    """Whether `text` names a venue vadbot knows (conference, journal, arXiv)."""
    return text.strip().strip("*_[]() ").replace("_", " ").casefold().replace(" ", "") in VENUES


def full_year(two_digits: str) -> int:
    """'19 → 2019, '98 → 1998."""
    value = int(two_digits)
    return 2000 + value if value < 50 else 1900 + value


def link_name_for_url(url: str) -> str | None:
    """The link name a URL implies on its own (arxiv.org → arxiv), or None."""
    host = urlsplit(url).netloc.lower()
    if host.endswith("arxiv.org"):
        return "arxiv"
    if host in ("github.com", "www.github.com", "gitlab.com"):
        return "code"
    if host.endswith("openreview.net"):
        return "openreview"
    if host.endswith(("youtube.com", "youtu.be", "vimeo.com")):
        return "video"
    return None


def arxiv_id_of(url: str) -> str | None:
    """The version-less arXiv id in an arxiv.org URL, or None."""
    parts = urlsplit(url)
    if not parts.netloc.lower().endswith("arxiv.org"):
        return None
    found = parse_arxiv_id(parts.path)
    return found[0] if found else None


def title_from_url(url: str) -> str:
    """A readable name for a bare URL: the repository, the last path part, or the site."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [unquote(s).lstrip("~") for s in parts.path.split("/") if s and s != "~"]
    if host == "github.com" and len(segments) >= 2:
        return segments[1]
    if host.endswith(".github.io"):
        name = host.removesuffix(".github.io").split(".")[-1]
        return name[:1].upper() + name[1:]
    named = [s for s in segments if not re.fullmatch(r"index\.\w+|\d+|[\w.]*\.html?", s)]
    if named:
        name = re.sub(r"\.\w{2,4}$", "", named[-1])
        return name[:1].upper() + name[1:]
    return host


def is_badge_line(text: str) -> bool:
    """A line that starts with a shields.io badge, linked or not."""
    return bool(_BADGE.match(text) or _BARE_BADGE.match(text))


def parse_badge(alt: str, image: str, url: str) -> tuple[LineItem, RawLink]:
    """What a shields.io (or any image) badge says: link name, venue, year, arXiv id."""
    item = LineItem()
    parts = urlsplit(image)
    if "/github/stars/" in parts.path:
        return item, ("code", url)
    label, message = alt, ""
    if parts.path.startswith("/badge/"):
        label, message = _badge_text(parts.path.removeprefix("/badge/"))
    key = label.casefold().strip()
    if key == "arxiv":
        found = parse_arxiv_id(message) if re.match(r"\d{4}\.", message) else None
        item.arxiv_id = found[0] if found else arxiv_id_of(url)
        if _YEAR.fullmatch(message):
            item.venue, item.year = "arXiv", int(message)
        return item, ("arxiv", url)
    if key in ("paper", "pdf") and message.casefold() == "pdf":
        return item, ("pdf", url)
    if key in LABELS and not _YEAR.fullmatch(message):
        return item, (LABELS[key] or None, url)
    if _YEAR.fullmatch(message) or is_known_venue(label):
        item.venue = canonical_venue(label)
        item.year = int(message) if _YEAR.fullmatch(message) else None
        return item, ("paper", url)
    return item, ("other", url)


def _badge_text(path: str) -> tuple[str, str]:
    """Label and message of a shields.io static badge path (`ACM_MM-2025-FF69B4`)."""
    fields = [unquote(f) for f in re.split(r"(?<!-)-(?!-)", unquote(path).split("?")[0])]
    fields = [
        f.replace("--", "-").replace("__", "\0").replace("_", " ").replace("\0", "_")
        for f in fields
    ]
    if len(fields) >= 3:
        return fields[0], "-".join(fields[1:-1])
    return fields[0], ""


def parse_line(text: str) -> LineItem:
    """Every fact in one line of a list (bullet marks already removed)."""
    item = LineItem()
    rest = _take_badges(text, item)
    rest = _take_links(rest, item)
    rest = _take_venue(rest, item)
    rest, _, summary = (p.strip() for p in _split_dash(rest))
    lead = _LEAD_TITLE.match(rest)
    if lead and not summary:
        rest, summary = lead.group(1), lead.group(2).strip()
    rest = rest.replace(_OPEN, "").replace(_CLOSE, "")
    item.summary = summary
    cells = [c.strip() for c in rest.split("|")]
    named = [c for c in cells if c.strip("*_[]() ")]
    item.title = clean_title(named[0]) if named else ""
    if len(named) > 1 and not item.summary:
        item.summary = " | ".join(named[1:])
    return item


def _split_dash(text: str) -> tuple[str, str, str]:
    """Title, dash, description; a dash inside a linked or bold title, or between a one-word
    name in plain text and a subtitle in title case ("AnomalyVFM -- Transforming Vision
    Foundation Models …"), is part of the title."""
    for match in _DASH.finditer(text):
        head, tail = text[: match.start()], text[match.end() :]
        if head.count(_OPEN) > head.count(_CLOSE) or head.count("**") % 2:
            continue
        plain_name = _OPEN not in head and "**" not in head and len(head.split()) == 1
        if plain_name and _title_case(tail):
            continue
        return head, match.group(), tail
    return text, "", ""


def _title_case(text: str) -> bool:
    """Whether most longer words start with a capital, as a paper's title does."""
    words = [w for w in re.findall(r"[^\W\d_][\w-]*", text.split("[")[0]) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _take_badges(text: str, item: LineItem) -> str:
    def badge(match: re.Match[str]) -> str:
        found, link = parse_badge(match.group(1), match.group(2), match.group(3))
        item.links.append(link)
        item.venue = item.venue or found.venue
        item.year = item.year or found.year
        item.arxiv_id = item.arxiv_id or found.arxiv_id
        return " "

    return _BADGE.sub(badge, _BARE_BADGE.sub(r"[![\1](\2)]()", text))


def _take_links(text: str, item: LineItem) -> str:
    def labeled(match: re.Match[str]) -> str:
        label, url = match.group(1, 2) if match.group(1) else match.group(3, 4)
        item.links.append((_label_name(label, item), url))
        return " "

    def link(match: re.Match[str]) -> str:
        words = match.group(1).strip().strip("*_").casefold()
        if words in LABELS:
            item.links.append((LABELS[words] or None, match.group(2)))
            return " "
        item.links.append((None, match.group(2)))
        return f"{_OPEN}{match.group(1)}{_CLOSE}"  # marks a linked title for "[T](…) - note"

    def url(match: re.Match[str]) -> str:
        item.links.append((None, match.group(1) if match.re is _ANGLE_URL else match.group(0)))
        return " "

    def blank(match: re.Match[str]) -> str:
        item.links.append((None, match.group(1)))
        item.blank_links.append(match.group(1))
        return " "

    text = _LABELED.sub(labeled, text)
    text = _BLANK_LINK.sub(blank, text)
    text = _EMPTY_LABEL.sub(" ", text)
    text = _LINK.sub(link, text)
    text = _ANGLE_URL.sub(url, text)
    return _BARE_URL.sub(url, text)


def _label_name(label: str, item: LineItem) -> str | None:
    """The link name a `[[label]](url)` gives: `code & dataset` → code, `CVPR 2024` → paper
    (and the venue and year), `2026` → paper of 2026; "other" when it says nothing known."""
    low = label.strip().strip("*_`").casefold()
    if low in LABELS:
        return LABELS[low] or None
    first = re.split(r"[\s&/,]+", low)[0]
    if first in LABELS and first not in ("link", "url"):
        return LABELS[first]
    dated = _LABEL_VENUE.fullmatch(label.strip())
    if dated and not item.year:
        venue = (dated.group(1) or "").strip()
        rest = re.sub(r"^v[\d.]+", "", dated.group(3)).strip()
        item.venue = canonical_venue(" ".join(p for p in (venue, rest) if p))
        item.year = int(dated.group(2))
        return "paper"
    if is_known_venue(label) and not item.venue:
        item.venue = canonical_venue(label)
        return "paper"
    return "other"


def _take_venue(text: str, item: LineItem) -> str:
    def paren(match: re.Match[str]) -> str:
        item.venue = item.venue or canonical_venue(match.group(1))
        item.year = item.year or int(match.group(2))
        item.note = (match.group(3) or match.group(4) or "").strip()
        return " "

    def bracket(match: re.Match[str]) -> str:
        item.venue = item.venue or canonical_venue(match.group(1))
        year = full_year(match.group(2)) if match.group(2) else int(match.group(3))
        item.year = item.year or year
        return " "

    def short(match: re.Match[str]) -> str:
        if not is_known_venue(match.group(1)):
            return match.group(0)
        item.venue = item.venue or canonical_venue(match.group(1))
        item.year = item.year or full_year(match.group(2) or match.group(3))
        return " "

    def tick(match: re.Match[str]) -> str:
        if not is_known_venue(match.group(1)):
            return match.group(0)
        item.venue = item.venue or canonical_venue(match.group(1))
        year = match.group(2)
        item.year = item.year or (int(year) if len(year) == 4 else full_year(year))
        return " "

    def bare(match: re.Match[str]) -> str:
        item.venue = item.venue or canonical_venue(match.group(1))
        item.year = item.year or int(match.group(2))
        return " "

    text = _TICK_VENUE.sub(tick, text, count=1)
    text = _PAREN_VENUE.sub(paren, text, count=1)
    text = _BRACKET_VENUE.sub(bracket, text, count=1)
    text = _SHORT_YEAR.sub(short, text, count=1)
    return text if item.venue else _BARE_VENUE.sub(bare, text, count=1)


_ABBR_PREFIX = re.compile(r"^\[[^\]\x01\x02]{1,30}\]\s*(?=\S)")


def clean_title(text: str) -> str:
    """A title without Markdown emphasis, stray brackets, label prefixes and end punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = _ABBR_PREFIX.sub("", text)  # "[ALOCC] Title", "[**ALOCC**]Title": a short name
    bold = re.search(r"\*\*(.+?)\*\*|__(.+?)__", text)
    if bold:
        text = bold.group(1) or bold.group(2)
    text = text.strip(" *_`[]|,;:-—–").strip()
    text = re.sub(r"[\s,;]+\.$", "", text)  # "[Title](url), `CVPR 16`." leaves ", ."
    return _LABEL_PREFIX.sub("", text).strip()


_VENUE_URLS = (
    (re.compile(r"neurips\.cc/.*?\b(20\d\d)\b"), "NeurIPS"),
    (re.compile(r"openaccess\.thecvf\.com/content/(?:[a-z_]*)?([A-Z]+)(20\d\d)"), ""),
    (re.compile(r"ecva\.net/papers/eccv_(20\d\d)"), "ECCV"),
    (re.compile(r"ojs\.aaai\.org/"), "AAAI"),
)


def venue_in_title(text: str) -> tuple[str, int | None]:
    """The venue and year a list's title names (`# CVPR2020-Code` → CVPR 2020), or ("", None)."""
    match = _BARE_VENUE.search(text)
    if match is None:
        return "", None
    return canonical_venue(match.group(1)), int(match.group(2))


def venue_from_url(url: str) -> tuple[str, int | None]:
    """Venue and year a proceedings URL names (neurips.cc/…/2025/… → NeurIPS 2025) or ("", None)."""
    for pattern, venue in _VENUE_URLS:
        match = pattern.search(url)
        if match is None:
            continue
        groups = [g for g in match.groups() if g]
        if not venue and groups:
            return canonical_venue(groups[0]), int(groups[1]) if len(groups) > 1 else None
        return venue, int(groups[-1]) if groups else None
    return "", None
