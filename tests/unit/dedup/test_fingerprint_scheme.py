"""Fingerprint scheme 3: the signatures are datasketch's MinHash of the shingle hashes
(text and lead from one pass), the band index finds what it should, and a store written
by another scheme is re-fingerprinted on start."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from datasketch import MinHash
from sqlalchemy import insert

from pipeline.dedup.fingerprint import _POSITION, SCHEME_VERSION, Fingerprinter
from pipeline.dedup.index import NearDuplicateIndex
from pipeline.dedup.lsh import BandIndex
from pipeline.dedup.stage import DedupStage
from pipeline.language.unspaced import characters
from pipeline.store.store import FingerprintRow, Store
from pipeline.text import words
from schemas.tables import articles
from tests.support.paths import ROOT

DATA = ROOT / "pipeline/feeds/data"
BODIES = [json.loads(line)["body"] for line in (DATA / "sample_feed.jsonl").open()]
CHINESE = "普京3日与特朗普通电话，双方交谈近一小时。克里姆林宫助理乌沙科夫介绍了通话内容。"
T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)


def _datasketch(hashes: dict[bytes, int], items: list[bytes]) -> np.ndarray:
    minhash = MinHash(
        num_perm=128,
        seed=1,
        scheme="affine32",
        hashfunc=lambda b: ((hashes[b] >> 32) ^ hashes[b]) & 0xFFFFFFFF,
    )
    minhash.update_batch(items)
    return minhash.hashvalues


def test_signatures_are_datasketch_minhashes_of_text_and_lead() -> None:
    fingerprinter = Fingerprinter()
    for body in [*BODIES, "two words", "x", CHINESE]:
        tokens = characters(words(body))  # the characters of Chinese, other words whole
        size = min(3, len(tokens))
        shingles = [" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)]
        hashes = dict(zip(shingles, fingerprinter.shingle_hashes(tokens).tolist(), strict=True))
        lead = shingles[: max(1, min(len(tokens), 60) - size + 1)]
        fp = fingerprinter.fingerprint(body)
        assert np.array_equal(fp.signature, _datasketch(hashes, shingles))
        assert np.array_equal(fp.lead_signature, _datasketch(hashes, lead))
        assert fp.size == len(set(shingles))


def _scheme_shingle_hash(word_hashes: list[int]) -> int:
    """The scheme's shingle hash read plainly in Python integers: fmix64 of the sum of
    each word's hash times the multiplier of its place, modulo 2**64."""
    mask = (1 << 64) - 1
    h = sum(w * int(k) for w, k in zip(word_hashes, _POSITION, strict=False)) & mask
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & mask
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & mask
    return h ^ (h >> 33)


def test_shingle_hashes_are_the_schemes_to_the_last_bit() -> None:
    # Signatures are stored: the compiled loop must hash as every earlier version did.
    fingerprinter = Fingerprinter()
    for body in [*BODIES[:5], "two words", "x", CHINESE]:
        tokens = characters(words(body))
        size = min(3, len(tokens))
        word_hashes = fingerprinter.word_hashes(tokens).tolist()
        expected = [
            _scheme_shingle_hash(word_hashes[i : i + size]) for i in range(len(tokens) - size + 1)
        ]
        assert fingerprinter.shingle_hashes(tokens).tolist() == expected


def test_band_index_finds_equal_bands_and_forgets_removed_items() -> None:
    bands = BandIndex(0.3, 128)
    a = Fingerprinter().fingerprint(BODIES[0]).signature
    b = a.copy()
    b[: bands.rows] += 1  # one band differs, the others agree
    bands.insert("a", bands.keys(a))
    assert bands.query(bands.keys(b)) == {"a"}
    bands.insert("b", bands.keys(b))
    assert bands.query(bands.keys(a)) == {"a", "b"}
    bands.remove("a", bands.keys(a))
    assert bands.query(bands.keys(a)) == {"b"}


def test_a_store_of_another_scheme_is_fingerprinted_again(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(sqlite_url)
    store.create_schema()
    junk = np.arange(128, dtype=np.uint32)  # what an old scheme might have stored
    store.save_fingerprints(
        [
            FingerprintRow("old-1", "old-1", junk, junk, 50, "h1", T0),
            FingerprintRow("in-flight", "in-flight", junk, junk, 50, "h2", T0),
        ]
    )  # no scheme recorded: written before schemes were
    with store.engine.begin() as conn:
        conn.execute(
            insert(articles).values(
                id="old-1", event_id="ev-1", source="s", body=BODIES[0],
                published_at=T0, received_at=T0,
            )
        )  # fmt: skip
    stage = DedupStage(store, NearDuplicateIndex(), Fingerprinter(), window=timedelta(hours=72))
    with caplog.at_level(logging.INFO):
        assert stage.load() == 1  # the article without a stored body left the index
    assert f"fingerprint scheme 1 -> {SCHEME_VERSION}: fingerprinting the 2 live" in caplog.text
    match = stage.index.find(Fingerprinter().fingerprint(BODIES[0]))
    assert match is not None and match.canonical_id == "old-1"
    assert store.meta("fingerprint_scheme") == str(SCHEME_VERSION)
    stored = store.fingerprints_of(["old-1"])["old-1"]
    assert not np.array_equal(stored.signature, junk)
