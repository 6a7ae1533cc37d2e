"""pipeline/embedding/encoder.py: the hashing encoder (unit vectors, deterministic, words
only), what text is embedded, and which specs `load_encoder` accepts. Loading the
bundled MiniLM takes seconds: that test is marked slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.embedding.encoder import (
    HashingEncoder,
    bundled_model_path,
    embedding_text,
    load_encoder,
)
from pipeline.errors import ConfigurationError

TEXTS = [
    "The river burst its banks and flooded the lower town overnight.",
    "Floodwater rose in the lower town after the river burst its banks.",
    "Parliament passed the budget after a night of debate.",
]


def test_hashing_vectors_are_unit_length_float32() -> None:
    vectors = HashingEncoder().encode(TEXTS)
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert HashingEncoder(dimension=64).encode(TEXTS).shape == (3, 64)


def test_hashing_is_deterministic() -> None:
    first = HashingEncoder().encode(TEXTS)
    assert np.array_equal(first, HashingEncoder().encode(TEXTS))  # another instance
    assert np.array_equal(first[1:2], HashingEncoder().encode(TEXTS[1:2]))  # alone
    assert HashingEncoder().name == "hashing"


def test_hashing_sees_shared_words_only() -> None:
    a, b, c = HashingEncoder().encode(TEXTS)
    assert float(a @ b) > 0.5 > float(a @ c)
    # Case, punctuation and accents do not matter; words of two letters or less are left out.
    same = HashingEncoder().encode(
        ["Élysée: the PALACE!", "elysee the palace", "elysee of the palace"]
    )
    assert np.allclose(same[0], same[1]) and np.allclose(same[1], same[2])


def test_a_text_without_words_is_a_zero_vector() -> None:
    vectors = HashingEncoder().encode(["", "a b of", "Real words here"])
    assert not vectors[0].any() and not vectors[1].any()
    assert np.isfinite(vectors).all()
    assert np.linalg.norm(vectors[2]) == pytest.approx(1.0)
    assert HashingEncoder().encode([]).shape == (0, 512)


def test_embedding_text_is_the_title_then_the_body() -> None:
    assert embedding_text("Floods", "The river rose.") == "Floods.\nThe river rose."
    assert embedding_text(None, "The river rose.") == "The river rose."
    assert embedding_text("", "The river rose.") == "The river rose."


def test_embedding_text_is_truncated() -> None:
    body = "word " * 1000
    assert len(embedding_text(None, body)) == 1000  # the default
    assert embedding_text(None, body, max_chars=50) == body[:50]
    # The title counts towards the limit: it comes first and is always kept.
    text = embedding_text("A headline", body, max_chars=60)
    assert len(text) == 60 and text.startswith("A headline.\nword ")
    assert embedding_text("Short", "Body.", max_chars=1000) == "Short.\nBody."


def test_the_hashing_spec() -> None:
    encoder = load_encoder("hashing")
    assert isinstance(encoder, HashingEncoder)
    assert encoder.dimension == 512


@pytest.mark.parametrize("spec", ["no-such-model-anywhere-xyz", "/no/such/model/directory"])
def test_an_unknown_spec_is_a_configuration_error(
    spec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never reach for the network from a test
    with pytest.raises(ConfigurationError, match="cannot load the model"):
        load_encoder(spec)


@pytest.mark.slow
def test_the_bundled_minilm_loads_offline() -> None:
    assert Path(bundled_model_path()).is_dir()
    encoder = load_encoder("minilm")
    assert encoder.name == "all-MiniLM-L6-v2" and encoder.dimension == 384
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    a, b, c = vectors
    assert float(a @ b) > float(a @ c)  # the same event is nearer than another one
    assert encoder.encode([]).shape == (0, 384)
