"""An encoder loaded at its first use.

A worker without the embedding stage (`WIREWATCH_STAGES=events`) needs a model only for a
copy whose original the event stage does not know, which is rare: loading it at start
would cost the model's memory (a process of its own for use-m3) and seconds of start-up
for nothing, most days."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.embedding.protocol import Encoder

log = logging.getLogger("wirewatch")


class LazyEncoder:
    def __init__(self, what: str, load: Callable[[], Encoder]) -> None:
        self._what = what
        self._load = load
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    @property
    def name(self) -> str:
        return self._get().name

    @property
    def dimension(self) -> int:
        return self._get().dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode(texts)

    def _get(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                log.info("loading the model %r at its first use", self._what)
                self._encoder = self._load()
            return self._encoder
