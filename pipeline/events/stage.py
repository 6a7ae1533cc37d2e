"""The event stage: put each article in an event, and write the result.

It is the single writer of events. Matching and writing sit in the same stage so that
the live event index is always rebuilt from exactly what was written before the
offsets were committed: a matcher ahead of its writer would, after a crash, be rebuilt
from a store that lags behind it and split events.

`plan` reads the store, then updates the in-memory index and event states; `save`
writes the batch (articles, events, sources, and the outbox of updates and alerts) in
one transaction. The agent retries `save` until it succeeds, then publishes the outbox.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from pipeline.embedding.codec import vector_from_bytes
from pipeline.embedding.encoder import Encoder, embedding_text
from pipeline.events.index import Assignment, ClusterItem, EventIndex
from pipeline.events.tracker import Change, EventState, record
from pipeline.store import AlertRow, ArticleRow, EventRow, EventSourceRow, Store, UpdateRow, Writes
from schemas.article import Article
from schemas.messages import Embedded, SourceSeen


@dataclass(frozen=True)
class Placed:
    """Where one article went."""

    article_id: str
    event_id: str
    duplicate_of: str | None
    created: bool


@dataclass
class EventPlan:
    """What one batch gives: the rows to write, the changes to announce, where each went."""

    writes: Writes = field(default_factory=Writes)
    changes: list[Change] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    replays: int = 0
    assignments: list[Assignment] = field(default_factory=list)  # of the unique articles
    largest_event: int = 0  # articles in the largest open event after the batch


class EventStage:
    """The single writer of events. Owns the live event index, the state of each live
    event (counts, sources, headline), which recent article is in which event, and the
    watermark of the live window; turns each batch into a plan of rows and changes.
    """

    def __init__(
        self,
        store: Store,
        index: EventIndex,
        *,
        window: timedelta = timedelta(hours=72),
        encoder: Encoder | None = None,
        embed_max_chars: int = 1000,
    ) -> None:
        self.store = store
        self.index = index
        self.window = window
        self.encoder = encoder  # only for a copy whose original is unknown: rare
        self.embed_max_chars = embed_max_chars
        self._states: dict[str, EventState] = {}
        self._members: dict[str, set[str]] = {}  # live event -> its canonical articles
        self._event_of: dict[str, str] = {}  # recent canonical article -> its event
        # What leaves memory at the end of a batch: articles by age (an event that goes
        # on for weeks keeps only its recent members here; copies of older ones find
        # their event in the store), events out of the window, and events loaded for one
        # batch only. Deferred to the end of the batch so that a copy later in the batch
        # still finds its original.
        self._article_expiry: list[tuple[datetime, str]] = []
        self._evicted: list[str] = []
        self._borrowed: set[str] = set()
        self._watermark: datetime | None = None

    @property
    def live_events(self) -> int:
        return len(self._states)

    def load(self) -> int:
        """Rebuild the live events from the store; returns how many."""
        latest = self.store.latest_article_time()
        if latest is None:
            return 0
        self._watermark = latest
        # The open events, and the closed ones that may still reopen (the index closes them).
        rows = self.store.live_events(latest - self.window - self.index.lookback)
        ids = [r.id for r in rows]
        sources: dict[str, list[Any]] = {i: [] for i in ids}
        for s in self.store.sources_of(ids):
            sources[s.event_id].append(s)
        for r in rows:
            self._states[r.id] = _state_from_row(r, sources[r.id])
            self._members[r.id] = set()
        for m in self.store.members_of(ids):
            self._remember(m.event_id, m.id, m.published_at)
            if m.embedding is not None:
                vector = vector_from_bytes(m.embedding)
                self.index.restore(
                    m.event_id, ClusterItem(m.id, vector, m.published_at, m.title, m.body)
                )
        self.index.evict_before(latest - self.window)
        return len(rows)

    def plan(self, batch: list[Embedded], now: datetime) -> EventPlan:
        plan = EventPlan()
        # Every read first: a store that fails here leaves the in-memory state untouched.
        stored = self.store.stored_articles(e.article.id for e in batch)
        in_batch = {e.article.id for e in batch}
        far_originals = {
            e.duplicate_of
            for e in batch
            if e.duplicate_of
            and e.duplicate_of not in self._event_of
            and e.duplicate_of not in in_batch
        }
        far_event_of = self.store.stored_articles(far_originals)
        self._load_states(set(far_event_of.values()) - self._states.keys())

        done: set[str] = set()
        for item in batch:
            article = item.article
            if article.id in stored or article.id in done:
                plan.replays += 1
                continue
            done.add(article.id)
            # The live window moves first: an event out of it by this article's time is
            # closed when the article is matched (and may be reopened by it).
            self._advance(article.published_at)
            original = item.duplicate_of
            event_id = None
            if original is not None:
                event_id = self._event_of.get(original) or far_event_of.get(original)
            if event_id is not None:
                # A copy joins its original's event; it was never embedded.
                change = self._record(
                    event_id,
                    item,
                    created=False,
                    duplicate_of=original,
                    similarity=item.dup_similarity,
                    now=now,
                )
                plan.placed.append(Placed(article.id, event_id, original, False))
                plan.writes.articles.append(
                    _article_row(
                        article, event_id, duplicate_of=original, dup_similarity=item.dup_similarity
                    )
                )
            else:
                # A unique article; or a copy whose original has not reached this stage:
                # not yet (a broker that reordered messages) or never (dead-lettered).
                # Such a copy is placed by its own embedding, where its original will
                # join it, and keeps the link the dedup stage found.
                vector = item.vector()
                if vector is None:
                    vector = self._embed(article)
                assignment = self.index.assign(
                    ClusterItem(
                        article.id,
                        vector,
                        article.published_at,
                        article.title,
                        article.body,
                        None if item.mentions is None else tuple(item.mentions),
                    )
                )
                plan.assignments.append(assignment)
                event_id = assignment.event_id
                if assignment.created:
                    self._states[event_id] = EventState.open(event_id, article)
                self._remember(event_id, article.id, article.published_at)
                change = self._record(
                    event_id,
                    item,
                    created=assignment.created,
                    reopened=assignment.reopened,
                    duplicate_of=original,
                    similarity=assignment.similarity,
                    now=now,
                )
                plan.placed.append(Placed(article.id, event_id, original, assignment.created))
                plan.writes.articles.append(
                    _article_row(
                        article,
                        event_id,
                        duplicate_of=original,
                        dup_similarity=item.dup_similarity if original else None,
                        event_similarity=assignment.similarity,
                        vector=vector,
                    )
                )
            self._collect(plan, change, now)
        self._forget()
        plan.largest_event = self.index.largest_open()
        return plan

    def save(self, plan: EventPlan) -> None:
        if plan.writes:
            self.store.write(plan.writes)

    # -- internals -----------------------------------------------------------------

    def _record(
        self,
        event_id: str,
        item: Embedded,
        *,
        created: bool,
        reopened: bool = False,
        duplicate_of: str | None,
        similarity: float | None,
        now: datetime,
    ) -> Change:
        return record(
            self._states[event_id],
            item.article,
            created=created,
            reopened=reopened,
            duplicate_of=duplicate_of,
            similarity=similarity,
            produced_at=item.produced_at,
            now=now,
        )

    def _collect(self, plan: EventPlan, change: Change, now: datetime) -> None:
        update = change.update
        state = self._states[update.event_id]
        plan.changes.append(change)
        plan.writes.events[state.event_id] = EventRow.of(update, now)
        if update.kind in ("created", "source_joined"):
            seen = state.sources[update.article.source]
            plan.writes.sources.append(
                EventSourceRow(state.event_id, seen.source, seen.first_seen, seen.article_id)
            )
        plan.writes.updates.append(UpdateRow.of(update, now))
        plan.writes.alerts.extend(AlertRow.of(alert, now) for alert in change.alerts)

    def _embed(self, article: Article) -> np.ndarray:
        if self.encoder is None:
            raise RuntimeError(
                f"article {article.id!r} reached the event stage without an "
                "embedding and no encoder is configured"
            )
        text = embedding_text(article.title, article.body, self.embed_max_chars)
        return self.encoder.encode([text])[0]

    def _remember(self, event_id: str, article_id: str, published_at: datetime) -> None:
        self._event_of[article_id] = event_id
        self._members.setdefault(event_id, set()).add(article_id)
        heapq.heappush(self._article_expiry, (published_at, article_id))

    def _load_states(self, event_ids: set[str]) -> None:
        if not event_ids:
            return
        rows = self.store.events_by_id(event_ids)
        sources: dict[str, list[Any]] = {r.id: [] for r in rows}
        for s in self.store.sources_of(event_ids):
            sources[s.event_id].append(s)
        for r in rows:
            self._states[r.id] = _state_from_row(r, sources[r.id])
            self._members.setdefault(r.id, set())
            self._borrowed.add(r.id)  # not live: needed for this batch only

    def _advance(self, published_at: datetime) -> None:
        if self._watermark is not None and published_at <= self._watermark:
            return
        self._watermark = published_at
        self._evicted.extend(self.index.evict_before(published_at - self.window))

    def _forget(self) -> None:
        """Drop what the live window no longer needs (see __init__)."""
        for event_id in self._evicted:
            self._states.pop(event_id, None)
            for article_id in self._members.pop(event_id, ()):
                self._event_of.pop(article_id, None)
        self._evicted.clear()
        for event_id in self._borrowed:
            if event_id in self.index:
                continue
            self._states.pop(event_id, None)
            self._members.pop(event_id, None)
        self._borrowed.clear()
        if self._watermark is None:
            return
        cutoff = self._watermark - self.window
        while self._article_expiry and self._article_expiry[0][0] < cutoff:
            _, article_id = heapq.heappop(self._article_expiry)
            event_id = self._event_of.pop(article_id, None)
            if event_id is not None:
                self._members.get(event_id, set()).discard(article_id)


def _state_from_row(row: Any, sources: list[Any]) -> EventState:
    return EventState(
        event_id=row.id,
        headline=row.headline,
        headline_is_title=True,
        canonical_article_id=row.canonical_article_id,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        article_count=row.article_count,
        duplicate_count=row.duplicate_count,
        sources={
            s.source: SourceSeen(source=s.source, first_seen=s.first_seen, article_id=s.article_id)
            for s in sources
        },
    )


def _article_row(
    article: Article,
    event_id: str,
    *,
    duplicate_of: str | None = None,
    dup_similarity: float | None = None,
    event_similarity: float | None = None,
    vector: np.ndarray | None = None,
) -> ArticleRow:
    return ArticleRow(
        id=article.id,
        event_id=event_id,
        duplicate_of=duplicate_of,
        source=article.source,
        title=article.title,
        url=article.url,
        language=article.language,
        published_at=article.published_at,
        received_at=article.received_at,
        body=article.body,
        event_similarity=event_similarity,
        dup_similarity=dup_similarity,
        embedding=vector,
        extra=article.extra,
    )
