"""pipeline/dedup/lsh.py: the banding index. Signatures that agree on a whole band
collide, unrelated ones do not, and a removed item is no longer found."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHashLSH

from pipeline.dedup.fingerprint import Fingerprinter
from pipeline.dedup.lsh import BandIndex

BODY = (
    "The river burst its banks on Tuesday and flooded the lower town overnight. The mayor "
    "ordered the evacuation of four streets near the old bridge, and the fire brigade "
    "moved forty residents to the sports hall. Forecasters expect more rain on Thursday, "
    "when the water is due to peak just below the level of the great flood of 1993."
)
OTHER = (
    "Parliament passed the budget after a night of debate and three amendments. The "
    "finance minister said the deficit would fall below three percent next year, while "
    "the opposition called the pension measures a tax on the young."
)


def _random_signature(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**32, size=128, dtype=np.uint64).astype(np.uint32)


def test_the_banding_is_datasketchs() -> None:
    for threshold in (0.3, 0.5, 0.6):
        bands = BandIndex(threshold, 128)
        reference = MinHashLSH(threshold=threshold, num_perm=128)
        assert (bands.bands, bands.rows) == (reference.b, reference.r)
        assert bands.bands * bands.rows <= 128


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, 1.5])
def test_a_threshold_outside_zero_and_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        BandIndex(threshold, 128)


def test_a_threshold_that_needs_long_bands_is_refused() -> None:
    # 0.8 needs 13 rows per band, more than the keys mix.
    with pytest.raises(ValueError, match="rows per band"):
        BandIndex(0.8, 128)


def test_keys_are_one_per_band_and_depend_on_the_signature_only() -> None:
    rng = np.random.default_rng(1)
    signature = _random_signature(rng)
    bands = BandIndex(0.3, 128)
    keys = bands.keys(signature)
    assert len(keys) == bands.bands
    assert keys == BandIndex(0.3, 128).keys(signature.copy())
    changed = signature.copy()
    changed[0] ^= 1  # one value of the first band
    other = bands.keys(changed)
    assert other[0] != keys[0] and other[1:] == keys[1:]


def test_near_identical_texts_collide() -> None:
    fingerprinter = Fingerprinter()
    bands = BandIndex(0.3, 128)
    original = fingerprinter.fingerprint(BODY).signature
    bands.insert("original", bands.keys(original))
    for edited in (
        "FLOODTOWN (Agency) - " + BODY,
        BODY.replace("forty", "fifty"),
        BODY + " More to follow.",
    ):
        signature = fingerprinter.fingerprint(edited).signature
        assert bands.query(bands.keys(signature)) == {"original"}, edited[:40]


def test_near_identical_signatures_collide() -> None:
    rng = np.random.default_rng(2)
    bands = BandIndex(0.3, 128)
    signature = _random_signature(rng)
    bands.insert("a", bands.keys(signature))
    near = signature.copy()
    changed = rng.choice(bands.bands * bands.rows, size=10, replace=False)
    near[changed] += 1  # 10 of 128 values differ: most bands still agree
    assert bands.query(bands.keys(near)) == {"a"}


def test_unrelated_signatures_do_not_collide() -> None:
    rng = np.random.default_rng(3)
    bands = BandIndex(0.3, 128)
    stored = [_random_signature(rng) for _ in range(200)]
    for n, signature in enumerate(stored):
        bands.insert(f"s{n}", bands.keys(signature))
    for _ in range(200):
        assert bands.query(bands.keys(_random_signature(rng))) == set()
    # Nor do two unrelated texts.
    fingerprinter = Fingerprinter()
    texts = BandIndex(0.3, 128)
    texts.insert("flood", texts.keys(fingerprinter.fingerprint(BODY).signature))
    assert texts.query(texts.keys(fingerprinter.fingerprint(OTHER).signature)) == set()


def test_removed_items_are_no_longer_found() -> None:
    rng = np.random.default_rng(4)
    bands = BandIndex(0.3, 128)
    signature = _random_signature(rng)
    keys = bands.keys(signature)
    for item in ("a", "b", "c"):  # three items in the same buckets
        bands.insert(item, keys)
    lone = bands.keys(_random_signature(rng))
    bands.insert("d", lone)
    assert bands.query(keys) == {"a", "b", "c"}
    bands.remove("b", keys)
    assert bands.query(keys) == {"a", "c"}
    bands.remove("a", keys)
    assert bands.query(keys) == {"c"}
    bands.remove("c", keys)
    assert bands.query(keys) == set()
    bands.remove("c", keys)  # removing what is not there changes nothing
    bands.remove("zz", lone)
    assert bands.query(lone) == {"d"}
    bands.remove("d", lone)
    assert bands.query(lone) == set()
    # An item inserted again after its removal is found again.
    bands.insert("a", keys)
    assert bands.query(keys) == {"a"}
