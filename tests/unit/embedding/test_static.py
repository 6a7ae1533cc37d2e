"""pipeline/embedding/static.py: the distillation recipe on a tiny random BERT with the
bundled tokenizer (one row per token, reduced, SIF-weighted), the cache (made once, then
loaded), and the encoder (unit vectors, a text alone or in a batch gives the same vector,
no tokens gives zeros)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.embedding import static
from pipeline.embedding.encoder import bundled_model_path

TEXTS = [
    "The river burst its banks and flooded the lower town overnight.",
    "Floodwater rose in the lower town after the river burst its banks.",
    "Parliament passed the budget after a night of debate.",
]


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    from transformers import BertConfig, BertModel

    directory = tmp_path / "tiny"
    bundled = Path(bundled_model_path())
    config = BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    )
    BertModel(config).save_pretrained(directory)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(bundled / name, directory / name)
    return directory


def test_distil_gives_one_weighted_row_per_token(tiny_model: Path) -> None:
    matrix = static.distil(tiny_model, dimensions=8, batch=4096)
    assert matrix.shape == (30522, 8) and matrix.dtype == np.float32
    norms = np.linalg.norm(matrix, axis=1)
    assert np.all(np.isfinite(matrix)) and norms.min() > 0
    # SIF weighting: frequent (low-rank) tokens weigh less than rare ones on average.
    assert norms[:1000].mean() < norms[-1000:].mean()


def test_cache_is_made_once_then_loaded(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREWATCH_MODEL_CACHE", str(tmp_path / "cache"))
    calls: list[Path] = []
    fake = np.random.default_rng(0).normal(size=(30522, 8)).astype(np.float32)
    monkeypatch.setattr(static, "distil", lambda directory: calls.append(directory) or fake)
    first = static.static_model(tiny_model)
    assert static.static_model(tiny_model) == first and len(calls) == 1
    assert np.load(first).dtype == np.float16

    encoder = static.StaticEncoder(str(tiny_model))
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encoder.encode(TEXTS[1:2]), vectors[1:2])
    assert np.array_equal(encoder.encode([""]), np.zeros((1, 8), dtype=np.float32))
    assert encoder.encode([]).shape == (0, 8)
