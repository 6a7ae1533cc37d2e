"""Word shingles and MinHash signatures of an article's text.

Two signatures per article: one of the whole text (Jaccard and containment), one of its
lead (the first words), which a copy truncated to its first paragraphs still shares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from pipeline.text import words

# Fixed: signatures are stored and compared across processes, restarts and versions.
SEED = 1
SCHEME = "affine32"


@dataclass(frozen=True)
class FingerprintConfig:
    shingle_size: int = 3
    num_perm: int = 128
    lead_words: int = 60


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # uint32[num_perm], MinHash of all shingles
    size: int  # distinct shingles in the text
    lead_signature: np.ndarray  # uint32[num_perm], MinHash of the lead's shingles
    content_hash: str  # tells a redelivery from an id reused for other content


def shingles(tokens: list[str], size: int) -> set[bytes]:
    if len(tokens) < size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def content_hash(*parts: str | None) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


class Fingerprinter:
    def __init__(self, config: FingerprintConfig = FingerprintConfig()) -> None:
        if config.shingle_size < 1:
            raise ValueError("shingle_size must be at least 1")
        self.config = config
        self._template = MinHash(num_perm=config.num_perm, seed=SEED, scheme=SCHEME)

    def signature(self, items: set[bytes]) -> np.ndarray:
        minhash = self._template.copy()
        if items:
            minhash.update_batch(list(items))
        return minhash.hashvalues.copy()

    def fingerprint(self, body: str, *, source: str = "", title: str | None = None) -> Fingerprint:
        # The title is left out: a wire copy under a new headline is still a copy.
        tokens = words(body)
        size = self.config.shingle_size
        full = shingles(tokens, size)
        lead = shingles(tokens[: self.config.lead_words], size)
        return Fingerprint(
            signature=self.signature(full),
            size=len(full),
            lead_signature=self.signature(lead),
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
