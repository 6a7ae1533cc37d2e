"""pipeline/embedding/cache.py: CachedEncoder embeds each text once per model. A text
already in the cache is read back (the very same floats), not embedded again, and the
model is not even loaded while every text is found."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pipeline.embedding.cache import CachedEncoder, text_key
from pipeline.embedding.encoder import HashingEncoder

TEXTS = [
    "The river burst its banks and flooded the lower town.",
    "Parliament passed the budget after a night of debate.",
    "Ten killed as a magnitude 6.1 quake strikes Qeshm island.",
]


class CountingEncoder:
    """A real HashingEncoder that remembers what it was asked to embed."""

    def __init__(self) -> None:
        self._encoder = HashingEncoder()
        self.name = self._encoder.name
        self.dimension = self._encoder.dimension
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self._encoder.encode(texts)


class Loader:
    def __init__(self) -> None:
        self.encoder = CountingEncoder()
        self.loads = 0

    def __call__(self) -> CountingEncoder:
        self.loads += 1
        return self.encoder


def _refuse() -> CountingEncoder:
    raise AssertionError("the model was loaded although every text was in the cache")


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "embeddings.sqlite"


def test_a_second_encode_reads_the_cache(cache_path: Path) -> None:
    load = Loader()
    cached = CachedEncoder("hashing", load, cache_path)
    first = cached.encode(TEXTS)
    [asked] = load.encoder.calls  # one call, each missing text once
    assert sorted(asked) == sorted(TEXTS)
    assert (cached.hits, cached.misses) == (0, 3)
    second = cached.encode(TEXTS)
    assert len(load.encoder.calls) == 1  # the inner encoder was not called again
    assert (cached.hits, cached.misses) == (3, 3)
    assert np.array_equal(first, second)
    assert load.loads == 1
    cached.close()


def test_the_cache_outlives_the_process_and_the_model_is_not_loaded(cache_path: Path) -> None:
    writer = CachedEncoder("hashing", Loader(), cache_path)
    written = writer.encode(TEXTS)
    writer.close()
    reader = CachedEncoder("hashing", _refuse, cache_path)
    assert np.array_equal(reader.encode(list(reversed(TEXTS))), written[::-1])
    assert (reader.hits, reader.misses) == (3, 0)
    reader.close()


def test_cached_vectors_are_exactly_the_encoders(cache_path: Path) -> None:
    expected = HashingEncoder().encode(TEXTS)
    writer = CachedEncoder("hashing", Loader(), cache_path)
    assert np.array_equal(writer.encode(TEXTS), expected)
    writer.close()
    reader = CachedEncoder("hashing", _refuse, cache_path)
    again = reader.encode(TEXTS)
    assert again.dtype == np.float32
    assert again.tobytes() == expected.tobytes()  # bit for bit
    reader.close()


def test_another_model_name_is_another_key(cache_path: Path) -> None:
    first = CachedEncoder("model-a", Loader(), cache_path)
    first.encode(TEXTS)
    first.close()
    load = Loader()
    other = CachedEncoder("model-b", load, cache_path)
    other.encode(TEXTS)
    assert (other.hits, other.misses) == (0, 3)
    [asked] = load.encoder.calls
    assert sorted(asked) == sorted(TEXTS)
    other.close()
    # And model-a's entries are still there for model-a.
    again = CachedEncoder("model-a", _refuse, cache_path)
    again.encode(TEXTS)
    assert again.hits == 3
    again.close()


def test_only_the_missing_texts_are_embedded_and_the_order_is_kept(cache_path: Path) -> None:
    load = Loader()
    cached = CachedEncoder("hashing", load, cache_path)
    cached.encode([TEXTS[1]])
    batch = [TEXTS[2], TEXTS[1], TEXTS[0], TEXTS[2]]
    vectors = cached.encode(batch)
    # TEXTS[1] came from the cache; TEXTS[2], twice in the batch, was embedded once.
    assert len(load.encoder.calls) == 2
    assert sorted(load.encoder.calls[1]) == sorted([TEXTS[0], TEXTS[2]])
    assert np.array_equal(vectors, HashingEncoder().encode(batch))
    assert (cached.hits, cached.misses) == (2, 3)
    cached.close()


def test_no_texts_give_an_empty_matrix(cache_path: Path) -> None:
    cached = CachedEncoder("hashing", Loader(), cache_path)
    assert cached.encode([]).shape == (0, HashingEncoder().dimension)
    assert cached.dimension == HashingEncoder().dimension
    cached.close()


def test_the_key_is_the_exact_text() -> None:
    assert text_key("Flood") == text_key("Flood")
    assert text_key("Flood") != text_key("flood") != text_key("flood ")
