"""The engine: connecting to a database URL, the dialects' options (SQLite pragmas,
PostgreSQL timeouts), and the one upsert of both dialects."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Executable

from pipeline.errors import ConfigurationError
from pipeline.store.url import url_problem


def connect(url: str) -> Engine:
    """An engine for the URL, with a readable error when the URL cannot work."""
    problem = url_problem(url)
    if problem is not None:
        raise ConfigurationError(problem)
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


# FULL: a commit is on disk before the worker acknowledges its input, so a power cut
# cannot take back what Kafka was told is stored (NORMAL may lose the last commits; only
# `begin_unsynced` uses it, for one transaction).
_PRAGMA_FULL_SYNC = "PRAGMA synchronous=FULL"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while a worker writes; several processes may share a file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(_PRAGMA_FULL_SYNC)
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def begin_unsynced(engine: Engine) -> Iterator[Connection]:
    """A transaction whose commit does not wait for the disk: for writes that a power cut
    may take back because what they record is done again on start, harmlessly (the
    outbox's published marks: the rows are then published again, with the same ids, which
    consumers drop). A process that crashes loses none of it; only the machine going down
    within a moment of the commit can. On SQLite the commit skips its fsync (the next
    synced commit writes it to disk with its own); on PostgreSQL it does not wait for its
    log flush. Every other transaction keeps the dialect's synced commit."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        try:
            with conn.begin():
                if sqlite:
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                else:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn
        finally:
            if sqlite:  # a connection's setting, not the transaction's
                _synced_again(conn)


def _synced_again(conn: Connection) -> None:
    """Synced again before the pool hands the connection out; one that cannot be
    set back is discarded (the caller's own error, if any, is the one that counts)."""
    try:
        conn.exec_driver_sql(_PRAGMA_FULL_SYNC)
        conn.commit()
    except SQLAlchemyError:
        conn.invalidate()


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update_columns: Sequence[str] = (),
) -> None:
    """INSERT ... ON CONFLICT (key) DO NOTHING / DO UPDATE, on PostgreSQL and SQLite."""
    if rows:
        statement = _upsert(conn.dialect.name, table, tuple(key), tuple(update_columns))
        conn.execute(statement, list(rows))


@functools.cache  # a statement built once: SQLAlchemy then finds it compiled at once
def _upsert(
    dialect: str, table: Table, key: tuple[str, ...], update_columns: tuple[str, ...]
) -> Executable:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases would need their own upsert
        raise ConfigurationError(f"unsupported database: {dialect}")
    statement = insert(table)
    if update_columns:
        return statement.on_conflict_do_update(
            index_elements=list(key),
            set_={name: statement.excluded[name] for name in update_columns},
        )
    return statement.on_conflict_do_nothing(index_elements=list(key))
