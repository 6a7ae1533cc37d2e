"""Compiled loops of the fingerprint scheme (pipeline/dedup/fingerprint.py): shingle
hashes and MinHash signatures, each one call to a loop compiled by numba.

In numpy the MinHash of a text was a matrix of permutations by shingles (128 by 540 on
the bench's feed) and the hashes' mixing ten calls on small arrays: about 110 us of the
dedup stage's 400 to 600 an article; here about 25. The values are the scheme's to the
last bit: 32-bit arithmetic is done in 64 bits and masked, as numba widens 32-bit
integers (tests/unit/dedup/test_fingerprint_scheme.py checks them against datasketch and
a plain Python reading of the scheme).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def _fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@njit(cache=True)
def _folded_fmix32(h: np.uint64) -> np.uint64:
    """The shingle hash folded to 32 bits, then MurmurHash3's 32-bit finalizer (what
    datasketch applies before its affine32 permutations)."""
    h = (h ^ (h >> np.uint64(32))) & _LOW32
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _LOW32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _LOW32
    return h ^ (h >> np.uint64(16))


@njit(cache=True)
def shingle_hashes(word_hashes: np.ndarray, size: int, positions: np.ndarray) -> np.ndarray:
    """fmix64 of each run of `size` words: the sum of each word's hash times the
    multiplier of its place (modulo 2**64)."""
    count = len(word_hashes) - size + 1
    out = np.empty(count, dtype=np.uint64)
    for i in range(count):
        h = np.uint64(0)
        for j in range(size):
            h += word_hashes[i + j] * positions[j]
        out[i] = _fmix64(h)
    return out


@njit(cache=True)
def _lower_to(least: np.ndarray, shingles: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Lower each permutation's minimum to (a * h + b) modulo 2**32 of each shingle h."""
    for j in range(len(shingles)):
        h = _folded_fmix32(shingles[j])
        for i in range(len(a)):
            v = np.uint32((a[i] * h + b[i]) & _LOW32)
            if v < least[i]:
                least[i] = v


@njit(cache=True)
def signatures(
    shingles: np.ndarray, a: np.ndarray, b: np.ndarray, lead_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """MinHash of all the shingles and of the first `lead_rows` of them: for each
    permutation, the least (a * h + b) modulo 2**32 (a and b as uint64)."""
    lead = np.full(len(a), np.uint32(0xFFFFFFFF))
    _lower_to(lead, shingles[:lead_rows], a, b)
    whole = lead.copy()
    _lower_to(whole, shingles[lead_rows:], a, b)
    return whole, lead


def warm() -> None:
    """Compile the loops (or load them from numba's cache) now, not in a batch."""
    hashes = np.arange(1, 4, dtype=np.uint64)
    shingles = shingle_hashes(hashes, 2, hashes)
    signatures(shingles, hashes, hashes, 1)
