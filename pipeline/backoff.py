"""Capped exponential backoff with jitter, for everything that waits for a broker or a
database to come back."""

from __future__ import annotations

import random
from collections.abc import Iterator


def backoff(first: float = 0.5, cap: float = 30.0) -> Iterator[float]:
    """Delays in seconds: about 0.5, 1, 2, 4, ... then `cap` for ever; each is jittered by
    20% so that workers that lost the same server do not retry in step."""
    delay = first
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(delay * 2, cap)
