"""The dedup stage: validate, fingerprint, and link each copy to its canonical article.

`plan` reads the store and updates the in-memory index; `save` writes the new
fingerprints. The agent calls `save` (retrying) before it commits its offsets, so the
store always holds what the index was rebuilt from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pipeline.dedup.fingerprint import SCHEME_VERSION, Fingerprint, Fingerprinter
from pipeline.dedup.index import NearDuplicateIndex
from pipeline.dedup.validate import DEFAULT_LIMITS, Limits, parse_article
from pipeline.errors import InvalidArticle
from pipeline.store.store import FingerprintRow, Store
from schemas.messages import DeadLetter, Deduped

log = logging.getLogger("wirewatch")


@dataclass(frozen=True)
class Incoming:
    """A raw input message and where it came from."""

    value: bytes
    produced_at: datetime
    topic: str = "articles"
    partition: int | None = None
    offset: int | None = None


@dataclass
class DedupPlan:
    """What one batch gives: records to forward, dead letters, fingerprint rows to write."""

    forward: list[Deduped] = field(default_factory=list)  # uniques and copies, input order
    dead: list[DeadLetter] = field(default_factory=list)
    new_rows: list[FingerprintRow] = field(default_factory=list)
    replays: int = 0


class DedupStage:
    """The single writer of fingerprints. Owns the near-duplicate index of the live window
    (rebuilt from the store by `load`) and the watermark that evicts from it; validates
    each raw message, recognises redeliveries and id conflicts, and decides for every new
    article whether it is a copy and of which canonical article.
    """

    def __init__(
        self,
        store: Store,
        index: NearDuplicateIndex,
        fingerprinter: Fingerprinter,
        *,
        limits: Limits = DEFAULT_LIMITS,
        window: timedelta = timedelta(hours=72),
    ) -> None:
        self.store = store
        self.index = index
        self.fingerprinter = fingerprinter
        self.limits = limits
        self.window = window
        self._watermark: datetime | None = None

    def load(self) -> int:
        """Rebuild the index from the store: the articles inside the live window."""
        latest = self.store.latest_fingerprint_time()
        if latest is None:
            return 0
        self._watermark = latest
        rows = list(self.store.fingerprints_since(latest - self.window))
        if self.store.meta("fingerprint_scheme") != str(SCHEME_VERSION):
            rows = self._refingerprint(rows)
        # Copies are found within a language; an article not stored yet (in flight) has
        # no known language and is compared with all.
        languages = self.store.languages_of(r.article_id for r in rows)
        loaded = 0
        for row in rows:
            fingerprint = Fingerprint(row.signature, row.size, row.lead_signature, row.content_hash)
            self.index.add(
                row.article_id,
                fingerprint,
                row.canonical_id,
                row.published_at,
                languages.get(row.article_id),
            )
            loaded += 1
        return loaded

    def plan(self, batch: list[Incoming], now: datetime) -> DedupPlan:
        plan = DedupPlan()
        parsed = []
        for message in batch:
            try:
                article = parse_article(message.value, now, self.limits)
            except InvalidArticle as exc:
                plan.dead.append(self._dead(message, exc.reason, exc.detail, now))
                continue
            for note in article.notes:
                log.warning(
                    "article accepted, a field dropped",
                    extra={"article_id": article.id, "note": note, "offset": message.offset},
                )
            fingerprint = self.fingerprinter.fingerprint(
                article.body, source=article.source, title=article.title
            )
            parsed.append((message, article, fingerprint))

        # Ids seen before but already gone from the live index: ask the store, once.
        unknown = [a.id for _, a, _ in parsed if a.id not in self.index]
        stored = self.store.fingerprints_of(unknown) if unknown else {}

        for message, article, fingerprint in parsed:
            earlier = self._earlier(article.id, stored)
            if earlier is not None:
                known_hash, canonical_id = earlier
                if known_hash != fingerprint.content_hash:
                    plan.dead.append(
                        self._dead(
                            message,
                            "id_conflict",
                            f"id {article.id!r} was already used for an article with other "
                            "content; articles are immutable, publish a change under a new id",
                            now,
                        )
                    )
                    continue
                # A redelivery: pass it on again with the decision taken the first time;
                # the next stages recognise it and change nothing.
                plan.replays += 1
                duplicate_of = None if canonical_id == article.id else canonical_id
                plan.forward.append(
                    Deduped(
                        article=article, duplicate_of=duplicate_of, produced_at=message.produced_at
                    )
                )
                continue

            match = self.index.find_and_add(
                article.id, fingerprint, article.published_at, article.language
            )
            canonical_id = match.canonical_id if match else article.id
            plan.new_rows.append(
                FingerprintRow(
                    article.id,
                    canonical_id,
                    fingerprint.signature,
                    fingerprint.lead_signature,
                    fingerprint.size,
                    fingerprint.content_hash,
                    article.published_at,
                )
            )
            plan.forward.append(
                Deduped(
                    article=article,
                    duplicate_of=match.canonical_id if match else None,
                    dup_similarity=match.similarity if match else None,
                    produced_at=message.produced_at,
                )
            )
            self._advance(article.published_at)
        return plan

    def save(self, plan: DedupPlan) -> None:
        if plan.new_rows:
            self.store.save_fingerprints(plan.new_rows, scheme=str(SCHEME_VERSION))

    def _refingerprint(self, rows: list[FingerprintRow]) -> list[FingerprintRow]:
        """Signatures of another scheme cannot be compared with this one's: compute them
        again from the stored bodies. An article not stored yet (in flight at the upgrade)
        has no body to read: it leaves the live index, and a later copy of it is taken for
        an original."""
        log.info(
            "fingerprint scheme %s -> %s: fingerprinting the %d live articles again",
            self.store.meta("fingerprint_scheme") or "1",
            SCHEME_VERSION,
            len(rows),
        )
        bodies = self.store.bodies_of(r.article_id for r in rows)
        fresh = []
        for row in rows:
            body = bodies.get(row.article_id)
            if body is None:
                continue
            fp = self.fingerprinter.fingerprint(body)
            fresh.append(replace(row, signature=fp.signature, lead_signature=fp.lead_signature,
                                 size=fp.size))  # fmt: skip
        if len(fresh) < len(rows):
            log.warning(
                "fingerprint scheme changed: %d of %d live articles had no stored body and "
                "left the near-duplicate index",
                len(rows) - len(fresh),
                len(rows),
            )
        self.store.save_fingerprints(fresh, scheme=str(SCHEME_VERSION), replace=True)
        return fresh

    def _earlier(
        self, article_id: str, stored: dict[str, FingerprintRow]
    ) -> tuple[str, str] | None:
        known_hash = self.index.content_hash_of(article_id)
        if known_hash is not None:
            return known_hash, self.index.canonical_of(article_id) or article_id
        row = stored.get(article_id)
        return (row.content_hash, row.canonical_id) if row else None

    def _advance(self, published_at: datetime) -> None:
        if self._watermark is None or published_at > self._watermark:
            self._watermark = published_at
            self.index.evict_before(published_at - self.window)

    @staticmethod
    def _dead(message: Incoming, reason: str, detail: str, now: datetime) -> DeadLetter:
        return DeadLetter.of(
            message.value,
            reason,
            detail,
            topic=message.topic,
            received_at=now,
            partition=message.partition,
            offset=message.offset,
        )
