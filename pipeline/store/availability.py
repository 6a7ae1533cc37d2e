"""Which database errors mean "the store is away, wait and retry" rather than "this
write is wrong".

The difference matters: the stages retry an unavailable store with backoff and hold
their offsets meanwhile, but a write that fails for its own reasons is isolated and
dead-lettered. Calling an outage a bad write would dead-letter everything that arrives
while the database restarts; calling a bad write an outage would wedge the stream.

PostgreSQL errors are classified by SQLSTATE, SQLite errors by their result code; a
connection that SQLAlchemy saw drop is unavailable whatever the driver said.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# SQLSTATE classes and codes of a server that cannot serve now (PostgreSQL appendix A).
_PG_UNAVAILABLE_CLASSES = (
    "08",  # connection exception
    "53",  # insufficient resources: disk full, out of memory, too many connections
    "58",  # system error: I/O
)
_PG_UNAVAILABLE_CODES = {
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: starting up, shutting down, in recovery
    "57014",  # query_canceled: statement timeout during an overload
    "40001",  # serialization_failure: retrying is the documented answer
    "40P01",  # deadlock_detected: likewise
    "25006",  # read_only_sql_transaction: connected to a standby after a failover
    "55P03",  # lock_not_available
}
# SQLite result codes (primary names) that a later attempt can get past.
_SQLITE_UNAVAILABLE = {
    "SQLITE_BUSY",  # another process holds the write lock beyond busy_timeout
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",  # the file or its directory is not reachable (unmounted disk)
    "SQLITE_IOERR",
    "SQLITE_FULL",  # disk full
    "SQLITE_READONLY",  # file or directory made read-only
    "SQLITE_PROTOCOL",
    "SQLITE_NOMEM",
}


def is_unavailable(exc: BaseException) -> bool:
    """True when the error says the database cannot be reached or cannot serve now."""
    if isinstance(exc, PoolTimeoutError | DisconnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    if isinstance(original, sqlite3.Error):
        return _sqlite_unavailable(original)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate[:2] in _PG_UNAVAILABLE_CLASSES or sqlstate in _PG_UNAVAILABLE_CODES
    # psycopg reports a failed connection attempt (refused, timed out, reset) as an
    # OperationalError without SQLSTATE: the server never answered.
    return _is_psycopg_operational(original)


# A refused login is "unavailable" to a running worker (someone is fixing the server, and
# dead-lettering meanwhile would be wrong), but at start it is a setting to correct.
_MISCONFIGURED = (
    "does not exist",
    "authentication failed",
    "no pg_hba.conf entry",
    "password",
    "permission denied",
)


def looks_misconfigured(message: str) -> bool:
    """True when an unavailable store's message points at the URL or the credentials."""
    text = message.lower()
    return any(marker in text for marker in _MISCONFIGURED)


def _sqlite_unavailable(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", None)
    if name is None:  # an error raised by the sqlite3 module itself, not by SQLite
        return False
    primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    return primary in _SQLITE_UNAVAILABLE


def _is_psycopg_operational(error: BaseException | None) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
