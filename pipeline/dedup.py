"""The near-duplicate index: which earlier article is this one a copy of?

Candidates come from two MinHash LSH indexes (whole text, lead); each candidate is then
scored on its signatures. A copy is linked to the canonical article of its group: the
first article seen, never another copy.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from pipeline.fingerprint import SCHEME, SEED, Fingerprint, containment, jaccard


@dataclass(frozen=True)
class DedupConfig:
    num_perm: int = 128
    # A copy: whole texts alike (headline changed, agency line or footer added, light edits)...
    dup_jaccard: float = 0.5
    # ...or the smaller text nearly all inside the larger, with the same lead (truncation).
    dup_containment: float = 0.8
    lead_jaccard: float = 0.5
    # LSH recall thresholds sit below the decision thresholds so that candidates are not missed.
    candidate_jaccard: float = 0.3
    candidate_lead: float = 0.4


@dataclass(frozen=True)
class Match:
    canonical_id: str  # the first article of the copy group
    matched_id: str  # the article this one resembles most (may itself be a copy)
    similarity: float  # the score that made it a copy: Jaccard or containment


@dataclass
class _Entry:
    fingerprint: Fingerprint
    canonical_id: str
    published_at: datetime


class NearDuplicateIndex:
    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self.config = config
        self._full = MinHashLSH(threshold=config.candidate_jaccard, num_perm=config.num_perm)
        self._lead = MinHashLSH(threshold=config.candidate_lead, num_perm=config.num_perm)
        self._entries: dict[str, _Entry] = {}
        self._by_time: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._entries

    def canonical_of(self, article_id: str) -> str | None:
        entry = self._entries.get(article_id)
        return entry.canonical_id if entry else None

    def content_hash_of(self, article_id: str) -> str | None:
        entry = self._entries.get(article_id)
        return entry.fingerprint.content_hash if entry else None

    def find(self, fingerprint: Fingerprint) -> Match | None:
        """The best earlier article this one is a copy of, or None."""
        if fingerprint.size == 0:
            return None
        candidates = set(self._full.query(_minhash(fingerprint.signature)))
        candidates.update(self._lead.query(_minhash(fingerprint.lead_signature)))
        best: tuple[float, str] | None = None
        for key in candidates:
            score = self.score(fingerprint, self._entries[key].fingerprint)
            if score is not None and (best is None or score > best[0]):
                best = (score, key)
        if best is None:
            return None
        score, key = best
        return Match(self._entries[key].canonical_id, key, round(score, 4))

    def score(self, a: Fingerprint, b: Fingerprint) -> float | None:
        """The copy score of two texts, or None when they are not copies of each other."""
        j = jaccard(a.signature, b.signature)
        if j >= self.config.dup_jaccard:
            return j
        c = containment(j, a.size, b.size)
        if c >= self.config.dup_containment:
            lead = jaccard(a.lead_signature, b.lead_signature)
            if lead >= self.config.lead_jaccard:
                return c
        return None

    def add(
        self, article_id: str, fingerprint: Fingerprint, canonical_id: str, published_at: datetime
    ) -> None:
        if article_id in self._entries:
            return
        self._entries[article_id] = _Entry(fingerprint, canonical_id, published_at)
        heapq.heappush(self._by_time, (published_at, article_id))
        if fingerprint.size:
            self._full.insert(article_id, _minhash(fingerprint.signature), check_duplication=False)
            self._lead.insert(
                article_id, _minhash(fingerprint.lead_signature), check_duplication=False
            )

    def evict_before(self, cutoff: datetime) -> int:
        """Forget articles published before the cutoff; returns how many."""
        evicted = 0
        while self._by_time and self._by_time[0][0] < cutoff:
            _, article_id = heapq.heappop(self._by_time)
            entry = self._entries.pop(article_id, None)
            if entry is None:
                continue
            if entry.fingerprint.size:
                self._full.remove(article_id)
                self._lead.remove(article_id)
            evicted += 1
        return evicted


def _minhash(signature: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=signature, scheme=SCHEME)
