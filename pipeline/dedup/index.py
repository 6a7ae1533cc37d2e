"""The near-duplicate index: which earlier article is this one a copy of?

Candidates come from two MinHash LSH indexes (whole text, lead); each candidate is then
scored on its signatures. A copy is linked to the canonical article of its group: the
first article seen, never another copy.

Copies are found within a language (issue 15): a translation is not a wire copy, so an
article is never a copy of one in another language. An article whose language is not
known is compared with all.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

from pipeline.dedup.fingerprint import Fingerprint, FingerprintConfig, containment, jaccard
from pipeline.dedup.lsh import BandIndex
from pipeline.settings import Settings


@dataclass(frozen=True)
class DedupConfig:
    """When two fingerprints are copies, and the LSH recall thresholds under that."""

    num_perm: int = 128
    # A copy: whole texts alike (headline changed, agency line or footer added, light edits)...
    dup_jaccard: float = 0.5
    # ...or the smaller text nearly all inside the larger, with the same lead (truncation):
    # leads of full length alike at this Jaccard; a text shorter than a lead is all lead,
    # and then nearly all of it inside the other's lead, as much as two full leads at
    # this Jaccard share (a copy of 25 words could never reach a Jaccard of 0.5 with a
    # lead of 60).
    dup_containment: float = 0.8
    lead_jaccard: float = 0.5
    lead_shingles: int = FingerprintConfig().lead_shingles
    # LSH recall thresholds sit below the decision thresholds so that candidates are not missed.
    candidate_jaccard: float = 0.3
    candidate_lead: float = 0.4

    @classmethod
    def from_settings(cls, settings: Settings) -> DedupConfig:
        return cls(
            num_perm=settings.num_perm,
            dup_jaccard=settings.dup_jaccard,
            dup_containment=settings.dup_containment,
            lead_shingles=FingerprintConfig.from_settings(settings).lead_shingles,
        )


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
    language: str | None = None


def same_language(a: str | None, b: str | None) -> bool:
    """Whether two articles may be copies of each other: same language, or one unknown."""
    return a is None or b is None or a == b


class NearDuplicateIndex:
    """The live articles' fingerprints in two LSH indexes (whole text, lead), with the
    canonical article of each copy group; finds the copy an article is, and evicts by age.
    """

    def __init__(self, config: DedupConfig = DedupConfig()) -> None:
        self.config = config
        self._full = BandIndex(config.candidate_jaccard, config.num_perm)
        self._lead = BandIndex(config.candidate_lead, config.num_perm)
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

    def find(self, fingerprint: Fingerprint, language: str | None = None) -> Match | None:
        """The best earlier article in the same language this one is a copy of, or None."""
        return self._find(fingerprint, self._keys(fingerprint), language)

    def _keys(self, fingerprint: Fingerprint) -> tuple[list[int], list[int]]:
        return self._full.keys(fingerprint.signature), self._lead.keys(fingerprint.lead_signature)

    def _find(
        self,
        fingerprint: Fingerprint,
        keys: tuple[list[int], list[int]],
        language: str | None = None,
    ) -> Match | None:
        if fingerprint.size == 0:
            return None
        candidates = self._full.query(keys[0])
        candidates.update(self._lead.query(keys[1]))
        best: tuple[float, str] | None = None
        for key in candidates:
            entry = self._entries[key]
            if not same_language(language, entry.language):
                continue
            score = self.score(fingerprint, entry.fingerprint)
            if score is not None and (best is None or score > best[0]):
                best = (score, key)
        if best is None:
            return None
        score, key = best
        return Match(self._entries[key].canonical_id, key, round(score, 4))

    def find_and_add(
        self,
        article_id: str,
        fingerprint: Fingerprint,
        published_at: datetime,
        language: str | None = None,
    ) -> Match | None:
        """Look the article up, then add it under its canonical id; one hashing of its
        bands for both."""
        keys = self._keys(fingerprint)
        match = self._find(fingerprint, keys, language)
        canonical_id = match.canonical_id if match else article_id
        self._add(article_id, fingerprint, canonical_id, published_at, keys, language)
        return match

    def score(self, a: Fingerprint, b: Fingerprint) -> float | None:
        """The copy score of two texts, or None when they are not copies of each other."""
        j = jaccard(a.signature, b.signature)
        if j >= self.config.dup_jaccard:
            return j
        c = containment(j, a.size, b.size)
        if c >= self.config.dup_containment and self._same_lead(a, b):
            return c
        return None

    def _same_lead(self, a: Fingerprint, b: Fingerprint) -> bool:
        full, t = self.config.lead_shingles, self.config.lead_jaccard
        lead = jaccard(a.lead_signature, b.lead_signature)
        # For two full leads this is `lead >= t` (containment of equal sets is 2J/(1+J)).
        return containment(lead, min(a.size, full), min(b.size, full)) >= 2 * t / (1 + t)

    def add(
        self,
        article_id: str,
        fingerprint: Fingerprint,
        canonical_id: str,
        published_at: datetime,
        language: str | None = None,
    ) -> None:
        keys = self._keys(fingerprint)
        self._add(article_id, fingerprint, canonical_id, published_at, keys, language)

    def _add(
        self,
        article_id: str,
        fingerprint: Fingerprint,
        canonical_id: str,
        published_at: datetime,
        keys: tuple[list[int], list[int]],
        language: str | None = None,
    ) -> None:
        if article_id in self._entries:
            return
        self._entries[article_id] = _Entry(fingerprint, canonical_id, published_at, language)
        heapq.heappush(self._by_time, (published_at, article_id))
        if fingerprint.size:
            self._full.insert(article_id, keys[0])
            self._lead.insert(article_id, keys[1])

    def evict_before(self, cutoff: datetime) -> int:
        """Forget articles published before the cutoff; returns how many."""
        evicted = 0
        while self._by_time and self._by_time[0][0] < cutoff:
            _, article_id = heapq.heappop(self._by_time)
            entry = self._entries.pop(article_id, None)
            if entry is None:
                continue
            if entry.fingerprint.size:
                full_keys, lead_keys = self._keys(entry.fingerprint)
                self._full.remove(article_id, full_keys)
                self._lead.remove(article_id, lead_keys)
            evicted += 1
        return evicted
