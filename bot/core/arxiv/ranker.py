"""A small learned ranker: L2-regularised logistic regression over words and word pairs.

Trained from the lab's own decisions: positives are the catalog's papers (title and summary) and
approved or promoted candidates, negatives the rejected ones. It ranks both lanes, may move a
paper between maybe and candidate within the bounds of `rules.toml` [settings] (`promote_at`,
`demote_at`, see the lanes in `bot.core.arxiv.rules`), and names the words that weigh most for a
paper, as arxiv-sanity-lite shows them. Deterministic (no random start, a fixed number of
steps), a few hundred milliseconds for a thousand examples, and kept as bytes (zlib-compressed
JSON, never pickle) so the state can store it.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt

FORMAT = 1
"""Version of the byte layout; `from_bytes` refuses others."""
_WORD = re.compile(r"[a-z][a-z0-9]*|[0-9]+[a-z][a-z0-9]*")
# words as text: a list literal would be laid out one word per line
_STOP = frozenset(
    """
    a an and are as at be been by can for from has have in into is it its of on or our that
    the their these this those to towards via was we were which while with within without
    also such than then there they both each more most other over under using used use based
    new show shows propose proposed paper approach method methods results
    """.split()  # noqa: SIM905
)
_STEPS = 120
_L2 = 1e-3
_MAX_FEATURES = 50_000
_MAX_TEXT = 20_000
"""Characters of a text that count: a hostile megabyte of words costs no more than an abstract."""


def features(text: str) -> list[str]:
    """The distinct words (no stop words) and adjacent word pairs of `text`, in order."""
    words = [w for w in _WORD.findall(text[:_MAX_TEXT].lower()) if w not in _STOP and len(w) > 1]
    found = words + [f"{a} {b}" for a, b in pairwise(words)]
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Ranker:
    """A trained linear model: a weight per feature and a bias; probability via the logistic."""

    weights: dict[str, float]
    bias: float = 0.0
    examples: tuple[int, int] = (0, 0)
    """How many positives and negatives it learned from; no lane moves without both."""

    @property
    def decides(self) -> bool:
        """True when it learned from positives and negatives alike."""
        return all(self.examples)

    def score(self, text: str) -> float:
        """Probability (0–1) that `text` is a paper the lab wants; 0.5 without both kinds."""
        found = features(text)
        if not found or not self.decides:
            return 0.5
        norm = 1 / math.sqrt(len(found))
        z = self.bias + norm * sum(self.weights.get(f, 0.0) for f in found)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def evidence(self, text: str, k: int = 5) -> tuple[str, ...]:
        """The `k` words or pairs of `text` that speak most for it (positive weight, largest
        first); a pair hides its own words."""
        weighed = sorted(
            ((w, f) for f in features(text) if (w := self.weights.get(f, 0.0)) > 0),
            key=lambda wf: (-wf[0], wf[1]),
        )
        chosen: list[str] = []
        for _, feature in weighed:
            if any(feature in c.split() or c in feature.split() for c in chosen):
                continue
            chosen.append(feature)
            if len(chosen) == k:
                break
        return tuple(chosen)

    def to_bytes(self) -> bytes:
        """The model as compressed JSON, the same bytes for the same model."""
        data = {
            "format": FORMAT,
            "bias": round(self.bias, 6),
            "examples": list(self.examples),
            "weights": {f: round(w, 6) for f, w in sorted(self.weights.items())},
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)

    @classmethod
    def from_bytes(cls, data: bytes) -> Ranker:
        """A model written by `to_bytes`; ValueError when the bytes are not one."""
        try:
            raw = json.loads(zlib.decompressobj().decompress(data, 64 * 1024 * 1024))
            if raw["format"] != FORMAT:
                raise ValueError(f"ranker format {raw['format']!r}, expected {FORMAT}")
            weights = {str(f): float(w) for f, w in raw["weights"].items()}
            positives, negatives = (int(n) for n in raw["examples"])
            return cls(weights, float(raw["bias"]), (positives, negatives))
        except (zlib.error, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a saved ranker ({exc})") from None


def train_ranker(positives: Sequence[str], negatives: Sequence[str]) -> Ranker:
    """A ranker learned from texts the lab wants and texts it turned down (each class weighs the
    same in total, however many examples it has). Deterministic: same texts, same model."""
    texts = [*positives, *negatives]
    if not positives or not negatives:
        return Ranker({}, 0.0, (len(positives), len(negatives)))
    docs = [features(t) for t in texts]
    frequency = Counter(f for d in docs for f in d)
    # a word seen in one text is kept: one ❌ of a topic must push down the next paper on it
    # (a lab decides a few papers a week; dropping singletons left one rejection unlearned)
    kept = sorted(frequency, key=lambda f: (-frequency[f], f))[:_MAX_FEATURES]
    vocab = {f: i for i, f in enumerate(sorted(kept))}
    rows, cols, vals = [], [], []
    for row, doc in enumerate(docs):
        ids = [vocab[f] for f in doc if f in vocab]
        rows += [row] * len(ids)
        cols += ids
        vals += [1 / math.sqrt(len(doc))] * len(ids)
    import numpy as np  # here only: scoring and loading stay free of numpy's import time

    r, c, v = np.array(rows), np.array(cols), np.array(vals)
    y = np.array([1.0] * len(positives) + [0.0] * len(negatives))
    share = np.array(
        [0.5 / len(positives)] * len(positives) + [0.5 / len(negatives)] * len(negatives)
    )
    w, b = _fit(r, c, v, y, share, len(texts), len(vocab))
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {f: float(x) for f, x in zip(names, w, strict=True) if abs(x) > 1e-6}
    return Ranker(weights, float(b), (len(positives), len(negatives)))


def _fit(
    rows: npt.NDArray[Any],
    cols: npt.NDArray[Any],
    vals: npt.NDArray[Any],
    y: npt.NDArray[Any],
    share: npt.NDArray[Any],
    n: int,
    d: int,
) -> tuple[npt.NDArray[Any], float]:
    """Weighted logistic regression by Nesterov-accelerated gradient descent, fixed steps.
    Rows have unit norm, so the loss is (1/4 + L2)-smooth in w and one step size fits all."""
    import numpy as np

    w = np.zeros(d)
    b = 0.0
    w_prev, b_prev = w.copy(), b
    step = 1 / (0.25 * 2 + _L2)
    for t in range(1, _STEPS + 1):
        momentum = (t - 1) / (t + 2)
        wk = w + momentum * (w - w_prev)
        bk = b + momentum * (b - b_prev)
        z = np.bincount(rows, weights=vals * wk[cols], minlength=n) + bk
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        residual = share * (p - y)
        grad_w = np.bincount(cols, weights=vals * residual[rows], minlength=d) + _L2 * wk
        grad_b = float(residual.sum())
        w_prev, b_prev = w, b
        w = wk - step * grad_w
        b = bk - step * grad_b
    return w, b
