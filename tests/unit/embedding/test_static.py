"""pipeline/embedding/static.py: the distillation recipe (each piece framed as a text, rows
in id order, reduced, SIF-weighted), the cache (made once, then loaded), the encoder (unit
vectors, a text alone or in a batch gives the same vector, no pieces gives zeros), and the
real distillation of use-m3 keeping a translation closer than another story."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.embedding import static

TEXTS = [
    "The river burst its banks and flooded the lower town overnight.",
    "Floodwater rose in the lower town after the river burst its banks.",
    "Parliament passed the budget after a night of debate.",
]


def test_each_piece_is_framed_as_a_text_and_written_in_id_order() -> None:
    calls: list[list[list[int]]] = []

    def encode_ids(group: list[list[int]], tokens: int, out: np.ndarray) -> None:
        calls.append(group)
        assert tokens == sum(map(len, group)) and len(out) == len(group)
        out[:] = [[ids[1], len(ids)] for ids in group]

    vectors = static.piece_vectors(encode_ids, 300, dimension=2)
    assert [len(group) for group in calls] == [128, 128, 44]
    assert calls[0][5] == [static.BEGIN, 5, static.END]
    assert np.array_equal(vectors[:, 0], np.arange(300)) and set(vectors[:, 1]) == {3}


def test_reduction_keeps_the_strongest_directions_and_frequent_pieces_weigh_less() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 32)) * np.linspace(3, 0.1, 32)
    probabilities = np.linspace(0.01, 1e-8, 2000)  # the first pieces are the frequent ones
    matrix = static.reduce_and_weigh(vectors, probabilities, dimensions=4)
    assert matrix.shape == (2000, 4) and matrix.dtype == np.float32
    norms = np.linalg.norm(matrix, axis=1)
    assert np.all(np.isfinite(matrix)) and norms[:200].mean() < norms[-200:].mean() / 10


def test_cache_is_made_once_then_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_MODEL_CACHE", str(tmp_path / "cache"))
    calls: list[int] = []
    fake = np.random.default_rng(0).normal(size=(128000, 8)).astype(np.float32)
    monkeypatch.setattr(static, "distil", lambda: calls.append(1) or fake)
    first = static.static_model()
    assert static.static_model() == first and len(calls) == 1
    assert first.name == f"{static.model_name()}.npy" and np.load(first).dtype == np.float16

    encoder = static.StaticEncoder()
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encoder.encode(TEXTS[1:2]), vectors[1:2])
    assert np.array_equal(encoder.encode([""]), np.zeros((1, 8), dtype=np.float32))
    assert encoder.encode([]).shape == (0, 8)
    # The lanes of a worker share one read-only copy of the matrix.
    assert static.StaticEncoder()._vectors is encoder._vectors
    assert not encoder._vectors.flags.writeable


def test_the_distilled_model_keeps_translations_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREWATCH_MODEL_CACHE", str(tmp_path))
    encoder = static.StaticEncoder()
    english, french, other = encoder.encode(
        [
            "Putin and Trump spoke by telephone about the war in Ukraine.",
            "Poutine et Trump se sont parlé au téléphone de la guerre en Ukraine.",
            "Le fleuve a débordé et inondé la ville basse pendant la nuit.",
        ]
    )
    assert english @ french > 0.6 > 0.2 > english @ other
