"""The Store: every read and write of wirewatch, over one engine. SQLite by default,
PostgreSQL (or any SQLAlchemy URL) in production. The stages write their results
idempotently (keyed by ids, so a replayed batch changes nothing) and rebuild their
indexes from it on start; the CLI, the dashboard, the webhook and the evaluation read it.
"""

from __future__ import annotations

import functools
import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import uuid4

from sqlalchemy import (
    DDL,
    Column,
    Connection,
    Result,
    Table,
    bindparam,
    case,
    delete,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.schema import CreateColumn

from pipeline.errors import ConfigurationError, StoreUnavailable
from pipeline.store.availability import is_unavailable
from pipeline.store.engine import begin_unsynced, connect, upsert_rows
from pipeline.store.order import event_order_by
from pipeline.store.rows import (
    DELIVERED,
    FAILED,
    PENDING,
    ClaimedDeliveries,
    DeliveryRow,
    FingerprintRow,
    Outbox,
    Placement,
    Row,
    Writes,
    column_values,
    fingerprint_from,
)
from pipeline.store.url import store_absent, unusable
from pipeline.text import HEADLINE_CHARS, first_sentence
from schemas.tables import (
    alerts,
    articles,
    corrections,
    due_parts,
    event_sources,
    event_updates,
    events,
    fingerprints,
    requeues,
    store_meta,
)
from schemas.tables import metadata as schema
from schemas.tables import webhook_deliveries as deliveries

__all__ = ["FingerprintRow", "Outbox", "Store", "Writes", "open_existing"]

T = TypeVar("T")
SCHEMA_LOCK = 0x77697265  # "wire": the advisory lock key taken while creating the schema


class Store:
    """The source of truth of wirewatch. It owns the engine (connections, dialect options),
    the schema (created idempotently, one worker at a time), and every read and write:
    the dedup stage's fingerprints, the event stage's articles, events, sources and outbox
    of updates and alerts, the webhook's deliveries, and the reads for people (the CLI,
    the dashboard, the evaluation). No module outside `pipeline.store` writes SQL.

    Writes take the typed rows of `pipeline.store.rows`. Every call goes through `run`,
    so a database that cannot serve now raises StoreUnavailable, which the stages retry.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = connect(url)

    def create_schema(self) -> None:
        def work() -> None:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Workers that start together would otherwise race to create the
                    # same tables (a unique violation in pg_type): one at a time.
                    conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
                schema.create_all(conn)
                _add_missing_columns(conn)

        self.run(work)

    def close(self) -> None:
        self.engine.dispose()

    def run(self, work: Callable[[], T]) -> T:
        """Run database work; a store that cannot serve now raises StoreUnavailable."""
        try:
            return work()
        except (DBAPIError, SQLAlchemyError) as exc:
            if is_unavailable(exc):
                reason = str(getattr(exc, "orig", None) or exc).strip()
                raise StoreUnavailable(reason.splitlines()[0] if reason else repr(exc)) from exc
            raise

    # -- the dedup stage's state -------------------------------------------------

    def save_fingerprints(
        self, rows: Sequence[FingerprintRow], *, scheme: str | None = None, replace: bool = False
    ) -> None:
        """Insert the rows (`replace`: overwrite rows already there), and record the
        fingerprint scheme that made them."""
        values = _values(rows)

        columns = ["signature", "lead_signature", "size"] if replace else []

        def work() -> None:
            with self.engine.begin() as conn:
                upsert_rows(conn, fingerprints, values, key=["article_id"], update_columns=columns)
                if scheme is not None:
                    meta = [{"key": "fingerprint_scheme", "value": scheme}]
                    upsert_rows(conn, store_meta, meta, key=["key"], update_columns=["value"])

        self.run(work)

    def fingerprints_since(self, cutoff: datetime | None) -> Iterator[FingerprintRow]:
        query = select(fingerprints).order_by(fingerprints.c.published_at)
        if cutoff is not None:
            query = query.where(fingerprints.c.published_at >= cutoff)
        rows = self.run(lambda: self.fetch_all(query))
        for r in rows:
            yield fingerprint_from(r)

    def fingerprints_of(self, article_ids: Iterable[str]) -> dict[str, FingerprintRow]:
        ids = list(set(article_ids))
        if not ids:
            return {}
        query = select(fingerprints).where(fingerprints.c.article_id.in_(ids))
        return {r.article_id: fingerprint_from(r) for r in self.run(lambda: self.fetch_all(query))}

    def meta(self, key: str) -> str | None:
        query = select(store_meta.c.value).where(store_meta.c.key == key)
        return self.run(lambda: self.fetch_scalar(query))

    def bodies_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """id -> stored (clean) body, for those of the articles the event stage stored."""
        ids = list(set(article_ids))
        found: dict[str, str] = {}
        for chunk in _chunks(ids, 500):
            query = select(articles.c.id, articles.c.body).where(articles.c.id.in_(chunk))
            found.update({r.id: r.body for r in self.run(lambda q=query: self.fetch_all(q))})
        return found

    def languages_of(self, article_ids: Iterable[str]) -> dict[str, str | None]:
        """id -> stored language, for those of the articles the event stage stored."""
        ids = list(set(article_ids))
        found: dict[str, str | None] = {}
        for chunk in _chunks(ids, 500):
            query = select(articles.c.id, articles.c.language).where(articles.c.id.in_(chunk))
            found.update({r.id: r.language for r in self.run(lambda q=query: self.fetch_all(q))})
        return found

    def latest_fingerprint_time(self) -> datetime | None:
        """The newest `published_at` of the fingerprints: the dedup stage's watermark."""
        return self._latest(fingerprints.c.published_at)

    def latest_article_time(self) -> datetime | None:
        """The newest `published_at` of the stored articles: the event stage's watermark."""
        return self._latest(articles.c.published_at)

    def _latest(self, column: Column[Any]) -> datetime | None:
        return self.run(lambda: self.fetch_scalar(select(func.max(column))))

    # -- the event stage's state -------------------------------------------------

    def stored_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        """id -> event_id of those of the given articles that are already stored."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        query = select(articles.c.id, articles.c.event_id).where(articles.c.id.in_(ids))
        return {r.id: r.event_id for r in self.run(lambda: self.fetch_all(query))}

    def write(self, writes: Writes) -> None:
        """All of a batch's rows in one transaction; a row already there is left as it is,
        except events, which take the newer aggregate, and the parts due, which a write
        that names them (`Writes.due`) replaces whole."""

        def work() -> None:
            with self.engine.begin() as conn:
                upsert_rows(conn, articles, _values(writes.articles), key=["id"])
                upsert_rows(
                    conn,
                    events,
                    _values(writes.events.values()),
                    key=["id"],
                    update_columns=[
                        "headline",
                        "canonical_article_id",  # an earlier article can arrive later
                        "article_count",
                        "duplicate_count",
                        "source_count",
                        "first_seen",
                        "last_seen",
                        "updated_at",
                        "pinned_article_id",
                        "merged_into",
                    ],
                )
                if writes.edited:
                    conn.execute(
                        update(events)
                        .where(events.c.id == bindparam("edited_id"))
                        .values(edited_at=bindparam("at")),
                        [{"edited_id": e, "at": at} for e, at in writes.edited.items()],
                    )
                if writes.moves:
                    conn.execute(
                        update(articles)
                        .where(articles.c.id == bindparam("moved_id"))
                        .values(event_id=bindparam("to_event"), part_id=bindparam("to_part")),
                        [
                            {"moved_id": a, "to_event": e, "to_part": p}
                            for a, (e, p) in writes.moves.items()
                        ],
                    )
                if writes.replaced_sources:
                    replaced = list(writes.replaced_sources)
                    conn.execute(
                        delete(event_sources).where(event_sources.c.event_id.in_(replaced))
                    )
                sources = _values(writes.sources)
                upsert_rows(conn, event_sources, sources, key=["event_id", "source"])
                upsert_rows(conn, event_updates, _values(writes.updates), key=["id"])
                upsert_rows(conn, alerts, _values(writes.alerts), key=["id"])
                upsert_rows(conn, corrections, _values(writes.corrections), key=["id"])
                if writes.due is not None:
                    conn.execute(delete(due_parts))
                    if writes.due:
                        conn.execute(
                            due_parts.insert(), [{"part_id": p} for p in sorted(writes.due)]
                        )

        self.run(work)

    def due_parts(self) -> set[str]:
        """The parts a batch grew that no regroup has weighed yet (`Writes.due`)."""
        rows = self.run(lambda: self.fetch_all(select(due_parts.c.part_id)))
        return {r.part_id for r in rows}

    def live_events(self, cutoff: datetime) -> list[Any]:
        query = (
            select(events)
            .where(events.c.last_seen >= cutoff, events.c.article_count > 0)
            .order_by(events.c.first_seen)
        )
        return self.run(lambda: self.fetch_all(query))

    def events_by_id(self, event_ids: Iterable[str]) -> list[Any]:
        ids = list(set(event_ids))
        if not ids:
            return []
        return self.run(lambda: self.fetch_all(select(events).where(events.c.id.in_(ids))))

    def sources_of(self, event_ids: Iterable[str]) -> list[Any]:
        ids = list(set(event_ids))
        if not ids:
            return []
        query = select(event_sources).where(event_sources.c.event_id.in_(ids))
        return self.run(lambda: self.fetch_all(query))

    def members_of(self, event_ids: Iterable[str]) -> list[Any]:
        """The articles that shaped the events' centroids (those with an embedding: the
        originals, and a copy that arrived before its original), oldest first."""
        ids = list(set(event_ids))
        if not ids:
            return []
        query = (
            select(
                articles.c.id,
                articles.c.event_id,
                articles.c.title,
                articles.c.body,
                articles.c.published_at,
                articles.c.embedding,
                articles.c.part_id,
                articles.c.language,
            )
            .where(articles.c.event_id.in_(ids), articles.c.embedding.is_not(None))
            .order_by(articles.c.published_at, articles.c.id)
        )
        return self.run(lambda: self.fetch_all(query))

    def placements_of(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """id -> (event_id, duplicate_of) of those of the articles that are stored."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        c = articles.c
        query = select(c.id, c.event_id, c.duplicate_of).where(c.id.in_(ids))
        return {r.id: (r.event_id, r.duplicate_of) for r in self.run(lambda: self.fetch_all(query))}

    def copies_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """copy id -> its original, for the stored copies of the given originals."""
        ids = list(set(article_ids))
        if not ids:
            return {}
        c = articles.c
        query = select(c.id, c.duplicate_of).where(c.duplicate_of.in_(ids))
        return {r.id: r.duplicate_of for r in self.run(lambda: self.fetch_all(query))}

    def articles_of(self, event_ids: Iterable[str]) -> list[Any]:
        """Every stored article of the events, with what rebuilds the events' aggregates
        and index entries, oldest first."""
        ids = list(set(event_ids))
        if not ids:
            return []
        c = articles.c
        query = (
            select(
                c.id,
                c.event_id,
                c.duplicate_of,
                c.source,
                c.title,
                c.url,
                c.body,
                c.published_at,
                c.received_at,
                c.embedding,
                c.dup_similarity,
                c.event_similarity,
                c.part_id,
                c.language,
            )
            .where(c.event_id.in_(ids))
            .order_by(c.published_at, c.id)
        )
        return self.run(lambda: self.fetch_all(query))

    # -- the desk's corrections ----------------------------------------------------

    def correction(self, correction_id: str) -> dict[str, Any] | None:
        """The recorded correction, as `corrections_list` gives it; None if not (yet) there."""
        query = select(corrections).where(corrections.c.id == correction_id)
        rows = self.run(lambda: self.fetch_all(query))
        return _correction_dict(rows[0]) if rows else None

    def corrections_list(self) -> list[dict[str, Any]]:
        """Every recorded correction, oldest first."""
        query = select(corrections).order_by(corrections.c.seq)
        return [_correction_dict(r) for r in self.run(lambda: self.fetch_all(query))]

    # -- dead letters sent back -------------------------------------------------------

    def record_requeues(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Dead letters whose originals were sent back (`letter_key`, `article_id`,
        `requeued_to`, `requeued_at`); one sent back again keeps the latest time."""

        def work() -> None:
            with self.engine.begin() as conn:
                requeues.create(conn, checkfirst=True)  # a store made before it was added
                upsert_rows(
                    conn,
                    requeues,
                    [dict(r) for r in rows],
                    key=["letter_key"],
                    update_columns=["requeued_to", "requeued_at"],
                )

        self.run(work)

    def requeued(self) -> dict[str, tuple[str, datetime]]:
        """Every dead letter sent back (by `letter_key`): where to, and when last."""

        def work() -> dict[str, tuple[str, datetime]]:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table(requeues.name):
                    return {}
                rows = conn.execute(select(requeues)).all()
            return {r.letter_key: (r.requeued_to, r.requeued_at) for r in rows}

        return self.run(work)

    # -- the outbox ----------------------------------------------------------------

    def pending_outbox(self, limit: int = 1000) -> Outbox:
        def unpublished(conn: Connection, table: Table) -> list[Any]:
            c = table.c
            query = select(c.seq, c.event_id, c.payload).where(c.published.is_(False))
            return plain_rows(conn.execute(query.order_by(c.seq).limit(limit)))

        def work() -> Outbox:
            with self.engine.connect() as conn:
                u = unpublished(conn, event_updates)
                a = unpublished(conn, alerts)
            return Outbox(
                [r.seq for r in u],
                [r.seq for r in a],
                [(r.event_id, r.payload) for r in u],
                [(r.event_id, r.payload) for r in a],
            )

        return self.run(work)

    def mark_published(self, outbox: Outbox) -> None:
        """Mark the outbox's rows published. Unsynced: a power cut that takes the marks
        back makes the next start publish those rows again, with the same ids, as after a
        crash between publishing and marking; one disk flush fewer a batch."""

        def work() -> None:
            with begin_unsynced(self.engine) as conn:
                if outbox.update_seqs:
                    conn.execute(
                        update(event_updates)
                        .where(event_updates.c.seq.in_(outbox.update_seqs))
                        .values(published=True)
                    )
                if outbox.alert_seqs:
                    conn.execute(
                        update(alerts)
                        .where(alerts.c.seq.in_(outbox.alert_seqs))
                        .values(published=True)
                    )

        self.run(work)

    # -- the webhook's deliveries ------------------------------------------------------

    def queue_deliveries(self, rows: Sequence[DeliveryRow]) -> set[str]:
        """Insert the rows whose alert id is new; returns the ids that were already there."""
        if not rows:
            return set()
        ids = [r.alert_id for r in rows]

        def work() -> set[str]:
            with self.engine.begin() as conn:
                known = set(
                    conn.execute(
                        select(deliveries.c.alert_id).where(deliveries.c.alert_id.in_(ids))
                    ).scalars()
                )
                new = _values(r for r in rows if r.alert_id not in known)
                upsert_rows(conn, deliveries, new, key=["alert_id"])
            return known

        return self.run(work)

    def claim_deliveries(
        self,
        now: datetime,
        partitions: Iterable[int],
        lease_s: float,
        may_post: Callable[[datetime | None], bool],
        limit: int = 50,
    ) -> list[ClaimedDeliveries]:
        """Claim, for a lease, the pending deliveries due now of the given partitions, by
        event, oldest due first: those of each event that `may_post` allows, given the
        time of the event's last delivered POST (None: never)."""
        parts = list(partitions)
        if not parts:
            return []
        claimable = (
            (deliveries.c.status == PENDING)
            & (deliveries.c.due_at <= now)
            & or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now)
        )

        def work() -> list[ClaimedDeliveries]:
            claimed = []
            with self.engine.begin() as conn:
                event_ids = list(
                    conn.execute(
                        select(deliveries.c.event_id)
                        .where(claimable, deliveries.c.partition.in_(parts))
                        .group_by(deliveries.c.event_id)
                        .order_by(func.min(deliveries.c.due_at))
                        .limit(limit)
                    ).scalars()
                )
                last_posts: dict[str, datetime] = {}
                if event_ids:
                    for row in conn.execute(
                        select(deliveries.c.event_id, func.max(deliveries.c.delivered_at))
                        .where(
                            deliveries.c.event_id.in_(event_ids),
                            deliveries.c.status == DELIVERED,
                        )
                        .group_by(deliveries.c.event_id)
                    ):
                        last_posts[row[0]] = row[1]
                for event_id in event_ids:
                    last = last_posts.get(event_id)
                    if last is not None and last.tzinfo is None:
                        last = last.replace(tzinfo=UTC)
                    if not may_post(last):
                        continue
                    token = uuid4().hex
                    # The WHERE is checked again row by row: rows another worker claimed
                    # first are left to it.
                    conn.execute(
                        update(deliveries)
                        .where(claimable, deliveries.c.event_id == event_id)
                        .values(claim=token, claimed_until=now + timedelta(seconds=lease_s))
                    )
                    rows = conn.execute(
                        select(
                            deliveries.c.payload, deliveries.c.reason, deliveries.c.attempts
                        ).where(deliveries.c.claim == token)
                    ).all()
                    if rows:
                        claimed.append(
                            ClaimedDeliveries(
                                event_id,
                                token,
                                [(r.payload, r.reason) for r in rows],
                                max(r.attempts for r in rows),
                            )
                        )
            return claimed

        return self.run(work)

    def mark_delivered(self, token: str, now: datetime, status: int) -> None:
        """The claimed deliveries were POSTed: `status` is the receiver's answer."""
        self._release(
            token,
            status=DELIVERED,
            delivered_at=now,
            response_status=status,
            attempts=deliveries.c.attempts + 1,
            error=None,
        )

    def mark_failed_attempt(
        self,
        token: str,
        error: str,
        status: int | None,
        retry_at: datetime,
        max_attempts: int,
    ) -> None:
        """A POST of the claimed deliveries failed: pending again from `retry_at`, or
        failed for good at their `max_attempts`th attempt."""
        give_up = deliveries.c.attempts + 1 >= max_attempts
        self._release(
            token,
            status=case((give_up, FAILED), else_=PENDING),
            due_at=retry_at,
            response_status=status,
            error=error[:2000],
            attempts=deliveries.c.attempts + 1,
        )

    def delivery_statuses(self) -> dict[str, str]:
        """alert id -> delivery status, for inspection and tests."""
        query = select(deliveries.c.alert_id, deliveries.c.status)
        return dict(self.run(lambda: [tuple(r) for r in self.fetch_all(query)]))

    def _release(self, token: str, **values: Any) -> None:
        def work() -> None:
            with self.engine.begin() as conn:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.claim == token)
                    .values(**values, claim=None, claimed_until=None)
                )

        self.run(work)

    # -- reads for people ------------------------------------------------------------

    def article_placements(self) -> dict[str, Placement]:
        """article id -> where it went (event, copy of, language), for every stored article."""
        c = articles.c
        query = select(c.id, c.event_id, c.duplicate_of, c.language)
        rows = self.run(lambda: self.fetch_all(query))
        return {r.id: Placement(r.event_id, r.duplicate_of, r.language) for r in rows}

    def event_clusters(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Events in the one event order (`pipeline.store.order`), each with its sources
        and articles."""

        def work() -> list[dict[str, Any]]:
            with self.engine.connect() as conn:
                query = (
                    select(events)
                    .where(events.c.article_count > 0)  # merged or emptied: gone
                    .order_by(*event_order_by())
                )
                if limit:
                    query = query.limit(limit)
                rows = conn.execute(query).all()
                ids = [r.id for r in rows]
                members: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
                sources: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
                for chunk in _chunks(ids, 500):
                    for a in conn.execute(
                        select(
                            articles.c.id,
                            articles.c.event_id,
                            articles.c.source,
                            articles.c.title,
                            # enough of the body for the first sentence of an untitled one
                            func.substr(articles.c.body, 1, 2 * HEADLINE_CHARS).label("start"),
                            articles.c.url,
                            articles.c.language,
                            articles.c.published_at,
                            articles.c.duplicate_of,
                            articles.c.dup_similarity,
                            articles.c.event_similarity,
                        )
                        .where(articles.c.event_id.in_(chunk))
                        .order_by(articles.c.published_at, articles.c.id)
                    ):
                        members[a.event_id].append(
                            {
                                "id": a.id,
                                "source": a.source,
                                "title": a.title,
                                "lead": None if a.title else first_sentence(a.start),
                                "url": a.url,
                                "language": a.language,
                                "published_at": a.published_at.isoformat(),
                                "duplicate_of": a.duplicate_of,
                                "similarity": a.dup_similarity
                                if a.duplicate_of
                                else a.event_similarity,
                            }
                        )
                    for s in conn.execute(
                        select(event_sources)
                        .where(event_sources.c.event_id.in_(chunk))
                        .order_by(event_sources.c.first_seen, event_sources.c.source)
                    ):
                        sources[s.event_id].append(
                            {
                                "source": s.source,
                                "first_seen": s.first_seen.isoformat(),
                                "article_id": s.article_id,
                            }
                        )
            return [
                {
                    "event_id": r.id,
                    "headline": r.headline,
                    "canonical_article_id": r.canonical_article_id,
                    "pinned_article_id": r.pinned_article_id,
                    "article_count": r.article_count,
                    "duplicate_count": r.duplicate_count,
                    "source_count": r.source_count,
                    "first_seen": r.first_seen.isoformat(),
                    "last_seen": r.last_seen.isoformat(),
                    "sources": [s["source"] for s in sources[r.id]],
                    "source_details": sources[r.id],
                    "articles": members[r.id],
                }
                for r in rows
            ]

        return self.run(work)

    def count_articles(self) -> int:
        return self.count(articles)

    def count(self, table: Table) -> int:
        return int(self.run(lambda: self.fetch_scalar(select(func.count()).select_from(table))))

    def fetch_all(self, query: Any) -> list[Any]:
        """The query's rows, each a named tuple (`plain_rows`)."""
        with self.engine.connect() as conn:
            return plain_rows(conn.execute(query))

    def fetch_scalar(self, query: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()


def plain_rows(result: Result[Any]) -> list[Any]:
    """The result's rows as named tuples, read by column name like SQLAlchemy's rows. A
    column of SQLAlchemy's row costs about 500 ns to read by name (a failed attribute
    lookup, then the row's own), a named tuple's 70; the event stage's regrouping reads
    every article of the events it moves, field by field."""
    make = functools.partial(tuple.__new__, _row_type(tuple(result.keys())))
    return list(map(make, result.all()))


@functools.cache  # one type per list of columns: a query shape, a few dozen in all
def _row_type(columns: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("StoredRow", columns, rename=True)  # type: ignore[misc]


def open_existing(url: str) -> Store:
    """The store at `url` for a command that must not create one: a clear error where
    there is none (a SQLite file that does not exist, a database without wirewatch's
    tables) or it cannot be used."""
    store = Store(url)
    try:
        problem = store.run(lambda: store_absent(url, store.engine))
    except DBAPIError as exc:
        problem = unusable(url, exc)
    except BaseException:
        store.close()
        raise
    if problem is not None:
        store.close()
        raise ConfigurationError(problem)
    return store


def _correction_dict(r: Any) -> dict[str, Any]:
    return {
        "correction_id": r.id,
        "action": r.action,
        "event_id": r.event_id,
        "from_event_id": r.from_event_id,
        "article_ids": json.loads(r.article_ids),
        "result_event_id": r.result_event_id,
        "by": r.by,
        "note": r.note,
        "requested_at": r.requested_at.isoformat(),
        "applied_at": r.applied_at.isoformat(),
        "outcome": r.outcome,
        "detail": r.detail,
        "evidence": json.loads(r.evidence),
    }


def _add_missing_columns(conn: Connection) -> None:
    """Columns added after a store was first created (create_all makes missing tables
    only, such as `corrections`): added, empty, which is what they mean for the rows
    already there. Constant DDL made from the schema itself, as create_all's: no values."""
    for table in (events, articles):
        present = {c["name"] for c in inspect(conn).get_columns(table.name)}
        name = conn.dialect.identifier_preparer.format_table(table)
        for column in table.c:
            if column.name not in present and column.nullable:
                definition = CreateColumn(column).compile(dialect=conn.dialect)
                conn.execute(DDL(f"ALTER TABLE {name} ADD COLUMN {definition}"))


def _values(rows: Iterable[Row | Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [column_values(r) for r in rows]


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
