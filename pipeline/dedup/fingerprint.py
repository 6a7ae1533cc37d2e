"""Word shingles and MinHash signatures of an article's text.

Two signatures per article: one of the whole text (Jaccard and containment), one of its
lead (the first words), which a copy truncated to its first paragraphs still shares.

Scheme 3 (the signatures in the store are of this scheme; `SCHEME_VERSION` says so):
- tokens: `pipeline.text.words` (lower-cased, accents folded), with Chinese and Japanese
  split into characters (`pipeline.language.unspaced`: their shingles are character
  n-grams, not runs of whole clauses);
- each word gets a 64-bit hash, the first 8 bytes of its BLAKE2b digest (stable across
  processes, unlike Python's `hash`), cached since news reuses its words all the time;
- a shingle of k words hashes to fmix64(sum of word_hash_j * K_j) folded to 32 bits,
  all shingles of a text in one compiled loop (pipeline/dedup/kernels.py);
- the MinHash permutations are datasketch's "affine32" ones with seed 1: the signature
  is the one `datasketch.MinHash(seed=1, scheme="affine32", hashfunc=...)` gives for the
  same shingle hashes (a test checks it);
- the lead's shingles are the first rows of the text's: one pass gives both signatures.
Scheme 1 hashed each shingle with SHA-1, which cost more than everything else in the
dedup stage together; scheme 2 took a clause of Chinese or Japanese for one word. A
store written with an earlier scheme is fingerprinted again on start (`DedupStage.load`).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from datasketch import MinHash

from pipeline.language.unspaced import characters, has_unspaced
from pipeline.settings import Settings
from pipeline.text import words

# Fixed: signatures are stored and compared across processes, restarts and versions.
SEED = 1
SCHEME = "affine32"  # datasketch's permutation scheme
SCHEME_VERSION = 3  # how shingles are hashed; bump when signatures change
# Odd multipliers that weigh each word by its place in the shingle (up to 10 words).
_POSITION = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
     0x8CB92BA72F3D8DD7, 0xA24BAED4963EE407],
    dtype=np.uint64,
)  # fmt: skip
_CACHE_LIMIT = 500_000  # distinct words remembered; news vocabularies stay well below


@dataclass(frozen=True)
class FingerprintConfig:
    """Shingle size, permutations and lead length: changing them changes the scheme."""

    shingle_size: int = 3
    num_perm: int = 128
    lead_words: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> FingerprintConfig:
        return cls(settings.shingle_size, settings.num_perm, settings.lead_words)

    @property
    def lead_shingles(self) -> int:
        """The shingles of a full lead."""
        return max(1, self.lead_words - self.shingle_size + 1)


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # uint32[num_perm], MinHash of all shingles
    size: int  # distinct shingles in the text
    lead_signature: np.ndarray  # uint32[num_perm], MinHash of the lead's shingles
    content_hash: str  # tells a redelivery from an id reused for other content


def content_hash(*parts: str | None) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


def _distinct(values: np.ndarray) -> int:
    """How many distinct values: counted on a sorted copy (3.5 times faster than a set)."""
    if not len(values):
        return 0
    ordered = np.sort(values)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


@functools.cache
def _kernels() -> ModuleType:
    """The compiled loops, imported on first use: numba takes about 80 MB of memory,
    which a worker that fingerprints nothing (embedding alone) need not hold."""
    from pipeline.dedup import kernels

    kernels.warm()
    return kernels


class Fingerprinter:
    """Computes an article's fingerprint: shingles, MinHash of the text and of its lead."""

    def __init__(self, config: FingerprintConfig = FingerprintConfig()) -> None:
        if not 1 <= config.shingle_size <= len(_POSITION):
            raise ValueError(f"shingle_size must be between 1 and {len(_POSITION)}")
        self.config = config
        a, b = MinHash(num_perm=config.num_perm, seed=SEED, scheme=SCHEME).permutations
        # uint32 values, held in 64 bits: the compiled loop multiplies in 64 and masks.
        self._a = np.asarray(a, dtype=np.uint32).astype(np.uint64)
        self._b = np.asarray(b, dtype=np.uint32).astype(np.uint64)
        self._kernels = _kernels()
        self._empty = np.full(config.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        self._word_hashes: dict[str, int] = {}

    def word_hashes(self, tokens: list[str]) -> np.ndarray:
        cache = self._word_hashes
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        try:  # every word seen before: the common case, and the fast path
            return np.fromiter(map(cache.__getitem__, tokens), np.uint64, len(tokens))
        except KeyError:
            pass
        for token in tokens:
            if token not in cache:
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                cache[token] = int.from_bytes(digest, "little")
        return np.fromiter(map(cache.__getitem__, tokens), np.uint64, len(tokens))

    def shingle_hashes(self, tokens: list[str]) -> np.ndarray:
        """uint64 hash of every shingle, in text order (a text shorter than a shingle is
        one shingle of all its words)."""
        if not tokens:
            return np.zeros(0, dtype=np.uint64)
        size = min(self.config.shingle_size, len(tokens))
        return self._kernels.shingle_hashes(self.word_hashes(tokens), size, _POSITION)

    def signatures(self, shingle_hashes: np.ndarray, lead_rows: int) -> tuple[np.ndarray, ...]:
        """MinHash of all the shingles and of the first `lead_rows` of them."""
        if len(shingle_hashes) == 0:
            return self._empty.copy(), self._empty.copy()
        return self._kernels.signatures(shingle_hashes, self._a, self._b, lead_rows)

    def fingerprint(self, body: str, *, source: str = "", title: str | None = None) -> Fingerprint:
        # The title is left out: a wire copy under a new headline is still a copy.
        tokens = words(body)
        if has_unspaced(body):
            tokens = characters(tokens)
        hashes = self.shingle_hashes(tokens)
        lead_tokens = min(len(tokens), self.config.lead_words)
        lead_rows = max(1, lead_tokens - self.config.shingle_size + 1)
        signature, lead_signature = self.signatures(hashes, lead_rows)
        return Fingerprint(
            signature=signature,
            size=_distinct(hashes),
            lead_signature=lead_signature,
            content_hash=content_hash(source, title, body),
        )


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two sets behind two MinHash signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(jaccard_estimate: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller set found in the larger: |A & B| / min(|A|, |B|).

    From J = |A & B| / |A | B| and |A | B| = |A| + |B| - |A & B| follows
    |A & B| = J (|A| + |B|) / (1 + J).
    """
    smaller = min(size_a, size_b)
    if smaller == 0:
        return 0.0
    shared = jaccard_estimate * (size_a + size_b) / (1.0 + jaccard_estimate)
    return min(1.0, shared / smaller)
