"""What every encoder is, apart from how it is built (`encoder.load_encoder`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Text in, one L2-normalised float32 row per text out."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...
