"""The built-in arXiv matching rules, read from the data file `rules.toml` shipped beside this
module: term groups, exclusions, the maybe lane's loose gate, API keywords and the settings of the
heuristics. Each term there carries a one-line reason (`why`); terms added from now on also name
two real papers that need them (`papers`). Syntax in `bot.core.arxiv.terms`, use in
`bot.core.arxiv.rules` (the rules and the lanes).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

RULES_FILE = "rules.toml"
_FRAGMENT = re.compile(r"\{([A-Z]+)\}")


@dataclass(frozen=True, slots=True)
class Settings:
    """The named heuristics of the matcher; defaults in `rules.toml` [settings], each documented
    there. A lab overrides any of them from `arxiv.match.settings` in its config."""

    min_score: float = 0.0
    denial_window: int = 80
    contrast: bool = True
    comparison: bool = True
    close_window: int = 40
    title_sentences: int = 2
    reference_share: float = 0.15
    weight_title: float = 0.3
    weight_together: float = 0.2
    weight_close: float = 0.15
    weight_repeated: float = 0.2
    weight_own: float = 0.15
    promote_at: float = 0.9
    demote_at: float = 0.05
    ranker_share: float = 0.5

    def replace(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with `changes`; ValueError names an unknown or mistyped one."""
        values = {name: getattr(self, name) for name in self.__slots__}
        for name, value in changes.items():
            if name not in values:
                raise ValueError(f"unknown matcher setting {name!r}")
            kind = type(values[name])
            if kind is bool and value not in (True, False):  # 1 and 0 as well, from YAML floats
                raise ValueError(f"matcher setting {name!r} must be true or false (1 or 0)")
            if kind in (int, float) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise ValueError(f"matcher setting {name!r} must be a number")
            if kind is int and value != int(value):
                raise ValueError(f"matcher setting {name!r} must be a whole number")
            values[name] = kind(value)
        return Settings(**values)


def _read() -> dict[str, Any]:
    text = files("bot.core.arxiv").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


_DATA = _read()
_FRAGMENTS: Mapping[str, str] = _DATA["fragments"]


def _expanded(term: str) -> str:
    return _FRAGMENT.sub(lambda m: _FRAGMENTS[m.group(1)], term)


def _terms(items: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(_expanded(str(item["term"])) for item in items)


def _groups(table: Mapping[str, list[dict[str, Any]]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({name: _terms(items) for name, items in table.items()})


DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = _groups(_DATA["groups"])
"""Every group must be met; each by any of its terms."""

LOOSE_GROUPS: Mapping[str, tuple[str, ...]] = _groups(_DATA["loose"])
"""The maybe lane's gate: broad topic and scene words, no language model needed."""

LOOSE_EXCLUDE: tuple[str, ...] = _terms(_DATA["loose_exclude"])
"""Look-alikes kept out of the maybe lane."""

DEFAULT_EXCLUDE: tuple[str, ...] = (*_terms(_DATA["exclude"]), *LOOSE_EXCLUDE)
"""Look-alikes: a paper where any of these applies is never a candidate; what the maybe lane
turns away (gameplay glitches, say) is no candidate either."""

DEFAULT_QUERY: tuple[str, ...] = tuple(_DATA["query"])
"""The arXiv API keywords that fill gaps with the built-in groups: broad, the rules then filter."""

DEFAULT_TOGETHER: tuple[str, ...] = tuple(_DATA["together"])
"""Groups that must be met in one sentence (or the title): the anomaly is IN the video."""

DEFAULT_SETTINGS = Settings().replace(_DATA["settings"])
"""The heuristics' settings as the data file gives them."""

DEFAULT_MIN_SCORE = DEFAULT_SETTINGS.min_score
"""The score (see `score_paper`) a paper needs besides passing the gate."""

REASONS: Mapping[str, str] = MappingProxyType(
    {
        _expanded(str(item["term"])): str(item["why"])
        for items in (
            *_DATA["groups"].values(),
            _DATA["exclude"],
            *_DATA["loose"].values(),
            _DATA["loose_exclude"],
        )
        for item in items
    }
)
"""Each built-in term's one-line reason, by the term as the matcher sees it."""
