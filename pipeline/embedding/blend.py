"""Two encoders as one: their unit vectors side by side, scaled so that the cosine of two
blended vectors is the weighted mean of the two models' cosines,

    cos(blend(a), blend(b)) = w * cos_1(a, b) + (1 - w) * cos_2(a, b)

(each part has norm sqrt(w) or sqrt(1 - w), so the whole is a unit vector). Everything
downstream (centroids, the event index, the store) sees one ordinary vector.

`WIREWATCH_MODEL=minilm+use-m3` blends MiniLM (English) and USE multilingual v3 half and
half; `minilm+use-m3:0.3` gives MiniLM a weight of 0.3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pipeline.embedding.protocol import Encoder


class BlendedEncoder:
    def __init__(self, first: Encoder, second: Encoder, weight: float = 0.5) -> None:
        if not 0.0 < weight < 1.0:
            raise ValueError(f"the blend weight must be between 0 and 1, not {weight}")
        self.first = first
        self.second = second
        self.weight = weight
        self.name = f"{first.name}+{second.name}:{weight:g}"

    @property
    def dimension(self) -> int:  # read lazily: a cached encoder loads its model for it
        return self.first.dimension + self.second.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        a = self.first.encode(texts) * math.sqrt(self.weight)
        b = self.second.encode(texts) * math.sqrt(1.0 - self.weight)
        return np.concatenate([a, b], axis=1).astype(np.float32)


def blend_parts(spec: str) -> tuple[str, str, float] | None:
    """`"a+b"` or `"a+b:w"` -> (a, b, w); None for a spec that is not a blend."""
    if "+" not in spec:
        return None
    models, _, weight = spec.partition(":")
    first, _, second = models.partition("+")
    if not first or not second:
        return None
    return first, second, float(weight) if weight else 0.5
