"""The event stage: put each article in an event, and write the result.

It is the single writer of events. Matching and writing sit in the same stage so that
the live event index is always rebuilt from exactly what was written before the
offsets were committed: a matcher ahead of its writer would, after a crash, be rebuilt
from a store that lags behind it and split events.

`plan` reads the store, then updates the in-memory index and event states; `save`
writes the batch (articles, events, sources, and the outbox of updates and alerts) in
one transaction. The agent retries `save` until it succeeds, then publishes the outbox.

`apply` does the same for an editor's correction (merge, move, split, pin, unpin): it
reads the events concerned and their articles, decides the effect
(`pipeline.events.corrections`), rebuilds those events' aggregates and index entries from
the members they have now, exactly as a restart would, and plans their rows, updates,
alerts and the `corrections` row for the same one-transaction `save`.

The index holds parts of events, not events: an event is one part, the one it opened as,
until an editor merges another into it, whose part it then keeps beside its own. An
article is matched against every part and joins the event of the best.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from pipeline.embedding.codec import vector_from_bytes
from pipeline.embedding.encoder import Encoder, embedding_text
from pipeline.errors import CorrectionRejected
from pipeline.events.corrections import Effect, EventFacts, decide
from pipeline.events.grouping import PartGrouping
from pipeline.events.index import Assignment, ClusterItem, EventIndex
from pipeline.events.tracker import (
    Change,
    EventState,
    article_ref,
    describe,
    make_alert,
    record,
)
from pipeline.store import (
    APPLIED,
    REJECTED,
    UNCHANGED,
    AlertRow,
    ArticleRow,
    CorrectionRow,
    EventRow,
    EventSourceRow,
    Store,
    UpdateRow,
    Writes,
)
from schemas.article import Article
from schemas.messages import (
    Alert,
    Correction,
    CorrectionRef,
    Embedded,
    EventUpdate,
    SourceSeen,
    UpdateKind,
)

UPDATE_KINDS: dict[str, UpdateKind] = {
    "merge": "merged",
    "move": "article_moved",
    "split": "split",
    "pin": "headline_pinned",
    "unpin": "headline_unpinned",
}


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
    regrouped: int = 0  # parts that moved to another event (`EventStage.settle`)
    rejected: str | None = None  # why a correction was rejected


@dataclass(frozen=True)
class Situation:
    """What the store holds of the events and articles a correction names: their event
    rows, every article of those events, and where its own articles are."""

    rows: dict[str, Any]
    stored: list[Any]
    members: dict[str, dict[str, str | None]]  # event -> {article: duplicate_of}
    placements: dict[str, tuple[str, str | None]]

    @classmethod
    def read(cls, store: Store, correction: Correction) -> Situation:
        placements = store.placements_of(correction.article_ids)
        named = {e for e in (correction.event_id, correction.from_event_id) if e}
        events = named | {e for e, _ in placements.values()}
        rows = {r.id: r for r in store.events_by_id(events)}
        stored = store.articles_of(rows)
        members: dict[str, dict[str, str | None]] = defaultdict(dict)
        for m in stored:
            members[m.event_id][m.id] = m.duplicate_of
        return cls(rows, stored, members, placements)

    def decide(self, correction: Correction) -> Effect:
        """The correction's effect here; raises CorrectionRejected with what is wrong."""
        facts = {
            r.id: EventFacts(r.article_count, r.merged_into, r.pinned_article_id)
            for r in self.rows.values()
        }
        return decide(correction, facts, self.members, self.placements)


def preview(store: Store, correction: Correction) -> Effect:
    """What the correction would do now (the CLI and the dashboard check it before they
    send it); raises CorrectionRejected with what is wrong."""
    return Situation.read(store, correction).decide(correction)


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
        # The index matches articles against parts of events; the grouping says which
        # event each part is in (pipeline/events/grouping.py). An editor's merge keeps the
        # halves as parts of one event too, each with its own evidence.
        self.grouping = PartGrouping(index, index.config.model.grouping)
        # The parts due to be weighed again as the store holds them (`save` keeps them
        # equal to the grouping's, so that a restart finds the ones a stop left unweighed).
        self._due_stored: frozenset[str] = frozenset()
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
        """Rebuild the live events from the store; returns how many. The parts a batch
        grew that were not weighed again before a stop are due again: `settle` next."""
        latest = self.store.latest_article_time()
        if latest is None:
            return 0
        due = frozenset(self.store.due_parts())
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
            if r.edited_at is not None:
                self.grouping.frozen.add(r.id)
        for m in self.store.members_of(ids):
            self._remember(m.event_id, m.id, m.published_at)
            if m.embedding is not None:
                self._restore(m.event_id, m.part_id or m.event_id, m)
        self.index.evict_before(latest - self.window)
        self.grouping.due = set(due)
        self._due_stored = due
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

        # The new articles' vectors, decoded once; their cosines measured in one product.
        vectors = {e.article.id: e.vector() for e in batch if e.article.id not in stored}
        self.index.prepare({i: v for i, v in vectors.items() if v is not None})
        done: set[str] = set()
        # In publication order (then id): where several embedding workers feed this stage,
        # how their outputs interleave within a batch no longer changes the events.
        for item in sorted(batch, key=lambda e: (e.article.published_at, e.article.id)):
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
                vector = vectors[article.id]
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
                        article.language,
                        item.words,
                    )
                )
                part = assignment.event_id  # the part of an event it matched, or opened
                assignment = self.grouping.place(assignment)
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
                        part_id=part,
                    )
                )
            self._collect(plan, change, now)
        self.index.prepare({})  # measured for this batch only
        self._forget()
        plan.largest_event = self.index.largest_open()
        return plan

    def save(self, plan: EventPlan) -> None:
        """Write the plan in one transaction, with the parts now due to be weighed again
        where they changed (a batch grew some, `settle` weighed them)."""
        due = frozenset(self.grouping.due)
        if due != self._due_stored:
            plan.writes.due = due
        if plan.writes:
            self.store.write(plan.writes)
            self._due_stored = due

    def apply(self, correction: Correction, now: datetime) -> EventPlan:
        """Plan an editor's correction; a rejected one plans only its `corrections` row."""
        plan = EventPlan()
        # Every read first, as in `plan`: a store that fails here leaves memory untouched.
        if self.store.correction(correction.correction_id) is not None:
            plan.replays = 1  # a redelivered message: applied (or rejected) before
            return plan
        seen = Situation.read(self.store, correction)
        try:
            effect = seen.decide(correction)
        except CorrectionRejected as exc:
            plan.rejected = str(exc)
            plan.writes.corrections.append(_correction_row(correction, REJECTED, now, str(exc)))
            return plan
        if effect.unchanged:
            plan.writes.corrections.append(
                _correction_row(correction, UNCHANGED, now, "already so", effect.result_event_id)
            )
            return plan
        self._apply(correction, effect, seen.rows, seen.stored, seen.members, plan, now)
        return plan

    # -- internals -----------------------------------------------------------------

    def _apply(
        self,
        correction: Correction,
        effect: Effect,
        rows: dict[str, Any],
        stored: list[Any],
        members: dict[str, dict[str, str | None]],
        plan: EventPlan,
        now: datetime,
    ) -> None:
        """The effect on memory and as rows: each event concerned is rebuilt from the
        members it has after the correction."""
        articles = {m.id: m for m in stored}
        after: dict[str, list[Any]] = defaultdict(list)
        for m in stored:  # oldest first, as `load` restores them
            after[effect.moves.get(m.id, m.event_id)].append(m)
        concerned = list(dict.fromkeys([*rows, *effect.moves.values()]))
        cutoff = self._watermark - self.window if self._watermark else None
        before = {e: {articles[a].source for a in held} for e, held in members.items()}
        kind = UPDATE_KINDS[correction.action]
        ref = CorrectionRef(
            correction_id=correction.correction_id,
            action=correction.action,
            by=correction.by,
            note=correction.note,
            merged_from=effect.merged_from,
        )
        cause = _cause(correction, effect, rows, articles)

        def part_after(m: Any) -> str:
            """A merged event keeps its halves' evidence apart; moved articles go to the
            target's own part."""
            part = m.part_id or m.event_id
            if m.id not in effect.moves or correction.action == "merge":
                return str(part)
            return effect.moves[m.id]

        for event_id in concerned:
            for part in self.grouping.unlink_event(event_id):
                self.index.drop(part)
        for m in stored:
            self.index.drop(m.part_id or m.event_id)
        for event_id in concerned:
            old_pin = rows[event_id].pinned_article_id if event_id in rows else None
            held = after.get(event_id, [])
            state = self._rebuilt(event_id, held, effect.pins.get(event_id, old_pin), articles)
            if state is None:  # merged into another, or emptied: gone, its row kept empty
                state = _state_from_row(rows[event_id], [])
                state.article_count = state.duplicate_count = 0
                state.sources = {}
                state.pinned_article_id = None
            # Kept as a start would load it: open in the live window, closed (and able to
            # reopen) within the lookback after it; `evict_before` below closes the latter.
            live = bool(held) and (
                cutoff is None or state.last_seen >= cutoff - self.index.lookback
            )
            if live:
                for m in held:
                    if m.embedding is not None:
                        self._restore(event_id, part_after(m), m)
                self._states[event_id] = state
                self._members.setdefault(event_id, set())
            else:  # out of the live window now, as `_forget` would leave it
                self._states.pop(event_id, None)
                for article_id in self._members.pop(event_id, ()):
                    self._event_of.pop(article_id, None)
            merged_into = effect.result_event_id if event_id == effect.merged_from else None
            update = self._announce(
                plan,
                state,
                held,
                kind,
                f"{event_id}:{correction.correction_id}",
                cause,
                correction.requested_at,
                now,
                merged_into=merged_into,
                correction=ref,
            )
            if correction.action == "merge" and event_id == effect.result_event_id:
                joined = [s for s in update.sources if s.source not in before.get(event_id, ())]
                plan.writes.alerts.extend(
                    AlertRow.of(a, now)
                    for a in _joined_alerts(update, joined, correction.correction_id)
                )
        if cutoff is not None:
            self._evicted.extend(self.index.evict_before(cutoff))
        for article_id, event_id in effect.moves.items():
            m = articles[article_id]
            self._event_of.pop(article_id, None)
            self._members.get(m.event_id, set()).discard(article_id)
            if m.embedding is not None and event_id in self._states:
                self._remember(event_id, article_id, m.published_at)
        plan.writes.moves.update({a: (e, part_after(articles[a])) for a, e in effect.moves.items()})
        if correction.action in ("merge", "move", "split"):
            # The editor placed these parts: the grouping leaves them where they are now.
            self.grouping.frozen.update(concerned)
            plan.writes.edited.update(dict.fromkeys(concerned, now))
        plan.writes.corrections.append(
            _correction_row(
                correction,
                APPLIED,
                now,
                "",
                effect.result_event_id,
                _evidence(correction, effect, members),
            )
        )

    def _rebuilt(
        self, event_id: str, held: list[Any], pin: str | None, articles: dict[str, Any]
    ) -> EventState | None:
        """The event's aggregate from the stored members it holds now, under the pinned
        headline if its article is still there; None when it holds none."""
        if not held:
            return None
        if pin not in {m.id for m in held}:
            pin = None  # the pinned article left the event: the pin goes with it
        return EventState.rebuild(
            event_id,
            [(_article(m), m.duplicate_of is not None) for m in held],
            _article(articles[pin]) if pin else None,
        )

    def _announce(
        self,
        plan: EventPlan,
        state: EventState,
        held: list[Any],
        kind: UpdateKind,
        update_id: str,
        cause: Any,
        produced_at: datetime,
        now: datetime,
        *,
        merged_into: str | None = None,
        correction: CorrectionRef | None = None,
    ) -> EventUpdate:
        """The rows and the update of an event rebuilt from its members (a correction, or a
        part that moved): the update carries every article the event holds now."""
        update = describe(
            state,
            kind,
            update_id,
            cause,
            produced_at=produced_at,
            now=now,
            correction=correction,
            members=[
                article_ref(
                    _article(m),
                    m.duplicate_of,
                    m.dup_similarity if m.duplicate_of else m.event_similarity,
                )
                for m in held
            ],
        )
        plan.writes.events[state.event_id] = EventRow.of(update, now, merged_into)
        plan.writes.replaced_sources.add(state.event_id)
        plan.writes.sources.extend(
            EventSourceRow(state.event_id, s.source, s.first_seen, s.article_id)
            for s in state.sources.values()
        )
        plan.writes.updates.append(UpdateRow.of(update, now))
        return update

    def settle(self, now: datetime) -> EventPlan:
        """After a batch is saved: weigh again the parts that grew to a size where they
        are (`weighed_again_at`), and move each that now belongs elsewhere, with the wire
        copies of its articles, to the event it matches, or on its own. The events concerned
        are rebuilt from their stored members and announced (`regrouped`); an event left
        with no article is gone (`merged_into` the event that took its last part)."""
        plan = EventPlan()
        moves = self.grouping.regroup()
        if not moves:
            self.grouping.apply(moves)
            return plan
        # Every read first: a store that fails here leaves memory as it was (and the parts
        # due), so that the agent can try again.
        sources = {e for e, _ in moves.values()}
        stored = self.store.articles_of(sources | {t for _, t in moves.values()})
        part_of = {m.id: m.part_id or m.event_id for m in stored if m.embedding is not None}

        def event_after(m: Any) -> str:
            # A copy placed without an embedding goes with its original.
            part = part_of.get(m.id) or part_of.get(m.duplicate_of or "")
            return moves[part][1] if part in moves else m.event_id

        articles = {m.id: m for m in stored}
        after: dict[str, list[Any]] = defaultdict(list)
        before: dict[str, set[str]] = defaultdict(set)
        for m in stored:  # oldest first
            after[event_after(m)].append(m)
            before[m.event_id].add(m.source)
        moved = [m for m in stored if event_after(m) != m.event_id]
        cause = max(
            (m for m in moved if m.embedding is not None), key=lambda m: (m.published_at, m.id)
        )
        key = ",".join(f"{p}:{self.index.size(p)}" for p in sorted(moves))
        update_key = hashlib.sha1(key.encode()).hexdigest()[:16]
        self.grouping.apply(moves)
        for event_id in sorted(set(after) | sources):
            held = after.get(event_id, [])
            old = self._states.get(event_id)
            state = self._rebuilt(event_id, held, old.pinned_article_id if old else None, articles)
            merged_into = None
            if state is None:  # its last part left: gone, as after an editor's merge
                assert old is not None
                state = replace(old, article_count=0, duplicate_count=0, sources={})
                targets = {moves[p][1] for p in moves if moves[p][0] == event_id}
                merged_into = min(targets)
                self._states.pop(event_id, None)
                self._members.pop(event_id, None)
            else:
                self._states[event_id] = state
            update = self._announce(
                plan,
                state,
                held,
                "regrouped",
                f"{event_id}:regrouped:{update_key}",
                article_ref(_article(cause), None, cause.event_similarity),
                now,
                now,
                merged_into=merged_into,
            )
            joined = [s for s in update.sources if s.source not in before[event_id]]
            plan.writes.alerts.extend(
                AlertRow.of(a, now) for a in _joined_alerts(update, joined, None)
            )
        for m in moved:
            target = event_after(m)
            plan.writes.moves[m.id] = (target, m.part_id)
            if self._event_of.get(m.id) is not None:
                self._members.get(m.event_id, set()).discard(m.id)
                self._event_of[m.id] = target
                self._members.setdefault(target, set()).add(m.id)
        plan.regrouped = len(moves)
        return plan

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

    def _restore(self, event_id: str, part: str, m: Any) -> None:
        """Put a stored member (with its embedding) back into its part of the index."""
        vector = vector_from_bytes(m.embedding)
        item = ClusterItem(m.id, vector, m.published_at, m.title, m.body, language=m.language)
        self.index.restore(part, item)
        self.grouping.link(part, event_id)

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
        for part in self.index.evict_before(published_at - self.window):
            event_id = self.grouping.unlink(part) or part
            if not self.grouping.parts_of(event_id):  # its last live part: the event leaves
                self._evicted.append(event_id)

    def _forget(self) -> None:
        """Drop what the live window no longer needs (see __init__)."""
        for event_id in self._evicted:
            self._states.pop(event_id, None)
            for article_id in self._members.pop(event_id, ()):
                self._event_of.pop(article_id, None)
        self._evicted.clear()
        for event_id in self._borrowed:
            if self.grouping.parts_of(event_id):
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


def _article(m: Any) -> Article:
    """A stored article, as the aggregates need it."""
    return Article(
        id=m.id,
        source=m.source,
        body=m.body,
        title=m.title,
        url=m.url,
        language=m.language,
        published_at=m.published_at,
        received_at=m.received_at,
    )


def _cause(
    correction: Correction, effect: Effect, rows: dict[str, Any], articles: dict[str, Any]
) -> Any:
    """The article an update of this correction names."""
    if correction.action == "merge":
        article_id = rows[effect.merged_from].canonical_article_id
    elif correction.action == "unpin":
        article_id = rows[correction.event_id].pinned_article_id
    else:
        article_id = correction.article_ids[0]
    m = articles.get(article_id)
    if m is None:  # not stored with the event any more: name it by its event's row
        row = rows[correction.event_id or ""]
        return article_ref(
            Article(
                id=article_id,
                source="",
                body="",
                title=row.headline,
                published_at=row.first_seen,
                received_at=row.first_seen,
            ),
            None,
            None,
        )
    return article_ref(_article(m), m.duplicate_of, None)


def _joined_alerts(
    update: EventUpdate, joined: list[SourceSeen], correction_id: str | None
) -> list[Alert]:
    """Articles that come to an event together (an editor's merge, naming the correction,
    or a part that moved) bring their sources: one alert each, carrying the language of
    the article that brought the source."""
    language_of = {a.id: a.language for a in update.members or ()}
    sources = [s.source for s in update.sources]
    return [
        make_alert(
            "source_joined",
            update.event_id,
            update.headline,
            seen.source,
            seen.article_id,
            language_of.get(seen.article_id),
            sources,
            update.emitted_at,
            correction_id,
        )
        for seen in joined
    ]


def _evidence(
    correction: Correction, effect: Effect, members: dict[str, dict[str, str | None]]
) -> dict[str, Any]:
    """The originals on each side, at the time: labelled pairs for training (`wirewatch
    corrections --export`)."""

    def originals(event_id: str | None, leaving: bool | None = None) -> list[str]:
        return sorted(
            a
            for a, original in members.get(event_id or "", {}).items()
            if original is None and (leaving is None or (a in effect.moves) == leaving)
        )

    if correction.action == "merge":
        return {"into": originals(effect.result_event_id), "from": originals(effect.merged_from)}
    if correction.action in ("move", "split"):
        moved = sorted(a for a in effect.moves if a in correction.article_ids)
        source = next(
            (e for e, m in members.items() if set(m) & set(effect.moves)), correction.event_id
        )
        return {
            "moved": moved,
            "left": originals(source, leaving=False),
            "joined": originals(effect.result_event_id),
        }
    return {"pinned": effect.pins.get(correction.event_id or "")}


def _correction_row(
    correction: Correction,
    outcome: str,
    now: datetime,
    detail: str,
    result_event_id: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> CorrectionRow:
    return CorrectionRow(
        id=correction.correction_id,
        action=correction.action,
        event_id=correction.event_id,
        from_event_id=correction.from_event_id,
        article_ids=correction.article_ids,
        result_event_id=result_event_id,
        by=correction.by,
        note=correction.note,
        requested_at=correction.requested_at,
        applied_at=now,
        outcome=outcome,
        detail=detail,
        evidence=evidence or {},
    )


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
        pinned_article_id=row.pinned_article_id,
    )


def _article_row(
    article: Article,
    event_id: str,
    *,
    duplicate_of: str | None = None,
    dup_similarity: float | None = None,
    event_similarity: float | None = None,
    vector: np.ndarray | None = None,
    part_id: str | None = None,
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
        part_id=part_id,
    )
