"""The static lane: a Model2Vec-style static embedding distilled from the bundled MiniLM.

`WIREWATCH_MODEL=static`. A static model is one vector per token of the tokenizer's
vocabulary; a text's vector is the mean of its tokens' vectors, normalised: no network
runs at encode time, so it encodes thousands of texts a second on one core.

Distilled from the bundled all-MiniLM-L6-v2 (Apache-2.0), not from the default `use-m3`:
distillation needs a transformers model whose tokenizer maps text to token ids one can
feed alone, which USE v3 (a SentencePiece graph in numpy) is not. The recipe is
Model2Vec's (`model2vec.distill`): each vocabulary token is run through the model alone
(``[CLS] token [SEP]``, mean-pooled like a sentence), the vectors are reduced to 256
dimensions by PCA, and each token is weighted by ``log(1 + a / (a + p))`` with ``p`` its
Zipf probability from its rank in the vocabulary (SIF weighting, ``a = 1e-4``). It is
done here with the torch and transformers the `minilm` profile already needs, because
`model2vec[distill]` pins `transformers<5.4`; the result is the same kind of model that
plain `model2vec` loads. First use distils (about a minute on 2 cores) and caches the
matrix as float16 (`WIREWATCH_MODEL_CACHE`, 15 MB), like the ONNX profile; later
processes load the cached file in milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.embedding.onnx import cache_dir

STATIC = "static"
DIMENSIONS = 256
SIF_COEFFICIENT = 1e-4
MAX_TOKENS = 512
DISTILL_VERSION = "1"  # bump when the distillation recipe changes


def _fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256(f"{DISTILL_VERSION}:{DIMENSIONS}".encode())
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        path = model_dir / name
        digest.update(name.encode())
        digest.update(str(path.stat().st_size).encode() if path.exists() else b"-")
    return digest.hexdigest()[:12]


def static_model(model_dir: Path) -> Path:
    """The cached token-vector matrix (.npy, float16) for the model directory, made if absent."""
    target = cache_dir() / f"minilm-static{DIMENSIONS}-{_fingerprint(model_dir)}.npy"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    matrix = distil(model_dir)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npy", delete=False) as tmp:
        np.save(tmp, matrix.astype(np.float16))
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target)  # atomic: a concurrent process sees all or nothing
    return target


def distil(model_dir: Path, *, dimensions: int = DIMENSIONS, batch: int = 512) -> np.ndarray:
    """One vector per vocabulary token (rows in token-id order), PCA-reduced and SIF-weighted."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    size = len(tokenizer)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    rows = []
    with torch.inference_mode():
        for start in range(0, size, batch):
            ids = torch.arange(start, min(start + batch, size), dtype=torch.long)[:, None]
            inputs = torch.cat([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs))[0]
            rows.append(hidden.mean(dim=1).numpy())  # mean pooling, as for a sentence
    vectors = np.concatenate(rows).astype(np.float64)
    vectors -= vectors.mean(axis=0)
    _, _, components = np.linalg.svd(vectors[:: max(1, size // 20000)], full_matrices=False)
    reduced = vectors @ components[:dimensions].T
    inverse_rank = 1.0 / np.arange(2, size + 2)
    probability = inverse_rank / inverse_rank.sum()
    weights = np.log1p(SIF_COEFFICIENT / (SIF_COEFFICIENT + probability))
    return (reduced * weights[:, None]).astype(np.float32)


class StaticEncoder:
    """Mean of the static token vectors of a text (special tokens left out), L2-normalised."""

    def __init__(self, model_dir: str, *, batch_size: int = 256) -> None:
        from tokenizers import Tokenizer

        directory = Path(model_dir)
        self._vectors = np.load(static_model(directory)).astype(np.float32)
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._batch_size = batch_size
        self.name = f"all-MiniLM-L6-v2-static{DIMENSIONS}"
        self.dimension = int(self._vectors.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            chunk = list(texts[start : start + self._batch_size])
            encodings = self._tokenizer.encode_batch(chunk, add_special_tokens=False)
            for row, encoding in enumerate(encodings, start):
                if encoding.ids:
                    out[row] = self._vectors[encoding.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms
