"""The SQL store: idempotent writes of the stages' results, and the reads that rebuild
their indexes on start. SQLite by default, PostgreSQL (or any SQLAlchemy URL) in
production.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine, Table, create_engine, event, func, make_url, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from pipeline.errors import ConfigurationError, StoreUnavailable
from pipeline.store.availability import is_unavailable
from pipeline.text import HEADLINE_CHARS, first_sentence
from schemas.tables import (
    alerts,
    articles,
    event_sources,
    event_updates,
    events,
    fingerprints,
    store_meta,
)
from schemas.tables import metadata as schema

T = TypeVar("T")
SCHEMA_LOCK = 0x77697265  # "wire": the advisory lock key taken while creating the schema


@dataclass(frozen=True)
class FingerprintRow:
    article_id: str
    canonical_id: str
    signature: np.ndarray
    lead_signature: np.ndarray
    size: int
    content_hash: str
    published_at: datetime


@dataclass
class Writes:
    """Everything one batch of the event stage writes, in one transaction."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # last state per event
    sources: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.articles)


@dataclass(frozen=True)
class Outbox:
    """Written but not yet published: (event_id, JSON payload) pairs in write order."""

    update_seqs: list[int]
    alert_seqs: list[int]
    updates: list[tuple[str, str]]
    alerts: list[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.update_seqs or self.alert_seqs)


def connect(url: str) -> Engine:
    """An engine for the URL, with a readable error when the URL cannot work."""
    try:
        if url.startswith("sqlite"):
            in_memory = url in ("sqlite://", "sqlite:///:memory:")
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                poolclass=StaticPool if in_memory else None,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=4,
            max_overflow=4,
            connect_args=_postgres_timeouts(url) if url.startswith("postgresql") else {},
        )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(
            f"cannot use the database URL: {exc}. Examples: sqlite:///wirewatch.db, "
            "postgresql+psycopg://user:password@host:5432/wirewatch"
        ) from exc


def _postgres_timeouts(url: str) -> dict[str, Any]:
    """Bounded waits, so that a server that stops answering (rather than refusing) turns
    into StoreUnavailable and a retry instead of a worker hanging on a dead socket.
    Parameters given in the URL's query string win."""
    defaults = {
        "connect_timeout": 10,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 30_000,  # ms without an acknowledgement of data sent
    }
    given = make_url(url).query
    return {name: value for name, value in defaults.items() if name not in given}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while a worker writes; several processes may share a file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update_columns: Sequence[str] = (),
) -> None:
    """INSERT ... ON CONFLICT (key) DO NOTHING / DO UPDATE, on PostgreSQL and SQLite."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases would need their own upsert
        raise ConfigurationError(f"unsupported database: {conn.dialect.name}")
    statement = insert(table)
    if update_columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(key),
            set_={name: statement.excluded[name] for name in update_columns},
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    conn.execute(statement, list(rows))


class Store:
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
        values = [
            {
                "article_id": r.article_id,
                "canonical_id": r.canonical_id,
                "signature": r.signature.astype(np.uint32).tobytes(),
                "lead_signature": r.lead_signature.astype(np.uint32).tobytes(),
                "size": r.size,
                "content_hash": r.content_hash,
                "published_at": r.published_at,
            }
            for r in rows
        ]

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
            yield _fingerprint(r)

    def fingerprints_of(self, article_ids: Iterable[str]) -> dict[str, FingerprintRow]:
        ids = list(set(article_ids))
        if not ids:
            return {}
        query = select(fingerprints).where(fingerprints.c.article_id.in_(ids))
        return {r.article_id: _fingerprint(r) for r in self.run(lambda: self.fetch_all(query))}

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

    def latest_published(self, table: Table) -> datetime | None:
        column = table.c.published_at
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
        except events, which take the newer aggregate."""

        def work() -> None:
            with self.engine.begin() as conn:
                upsert_rows(conn, articles, writes.articles, key=["id"])
                upsert_rows(
                    conn,
                    events,
                    list(writes.events.values()),
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
                    ],
                )
                upsert_rows(conn, event_sources, writes.sources, key=["event_id", "source"])
                upsert_rows(conn, event_updates, writes.updates, key=["id"])
                upsert_rows(conn, alerts, writes.alerts, key=["id"])

        self.run(work)

    def live_events(self, cutoff: datetime) -> list[Any]:
        query = select(events).where(events.c.last_seen >= cutoff).order_by(events.c.first_seen)
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
            )
            .where(articles.c.event_id.in_(ids), articles.c.embedding.is_not(None))
            .order_by(articles.c.published_at, articles.c.id)
        )
        return self.run(lambda: self.fetch_all(query))

    # -- the outbox ----------------------------------------------------------------

    def pending_outbox(self, limit: int = 1000) -> Outbox:
        def work() -> Outbox:
            with self.engine.connect() as conn:
                u = conn.execute(
                    select(event_updates.c.seq, event_updates.c.event_id, event_updates.c.payload)
                    .where(event_updates.c.published.is_(False))
                    .order_by(event_updates.c.seq)
                    .limit(limit)
                ).all()
                a = conn.execute(
                    select(alerts.c.seq, alerts.c.event_id, alerts.c.payload)
                    .where(alerts.c.published.is_(False))
                    .order_by(alerts.c.seq)
                    .limit(limit)
                ).all()
            return Outbox(
                [r.seq for r in u],
                [r.seq for r in a],
                [(r.event_id, r.payload) for r in u],
                [(r.event_id, r.payload) for r in a],
            )

        return self.run(work)

    def mark_published(self, outbox: Outbox) -> None:
        def work() -> None:
            with self.engine.begin() as conn:
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

    # -- reads for people ------------------------------------------------------------

    def event_clusters(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Events, most recently active first, each with its sources and articles."""

        def work() -> list[dict[str, Any]]:
            with self.engine.connect() as conn:
                query = select(events).order_by(events.c.last_seen.desc(), events.c.id)
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
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def fetch_scalar(self, query: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()


def _fingerprint(r: Any) -> FingerprintRow:
    return FingerprintRow(
        article_id=r.article_id,
        canonical_id=r.canonical_id,
        signature=np.frombuffer(r.signature, dtype=np.uint32).copy(),
        lead_signature=np.frombuffer(r.lead_signature, dtype=np.uint32).copy(),
        size=r.size,
        content_hash=r.content_hash,
        published_at=r.published_at,
    )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":"), default=str)
