"""The store's URL: shown without its password, checked for what can never work, and
asked whether a store is there at all, for the commands that only read.

What can never work is an error at once, not an outage to wait out: a URL that does not
parse, an unknown dialect, a driver that is not installed, a SQLite file in a directory
that does not exist (SQLite then says CANTOPEN, which a running worker rightly takes
for a disk that went away).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, make_url
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

EXAMPLES = "sqlite:///wirewatch.db, postgresql+psycopg://user:password@host:5432/wirewatch"
_PASSWORD = re.compile(r"(\w[\w.+-]*:)[^@/\s:]+@")  # user:password@ in a URL that did not parse


def masked(url: str) -> str:
    """The URL as it may be shown: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1***@", url)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def url_problem(url: str) -> str | None:
    """Why this URL can never work, or None."""
    try:
        parsed: URL = make_url(url)
    except ArgumentError:
        return f"{masked(url)!r} is not a database URL; examples: {EXAMPLES}"
    shown = masked(url)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"unknown database in {shown}: SQLAlchemy has no dialect {parsed.drivername!r}"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return (
            f"no driver for {shown}: {exc}; install it, or use one of: {EXAMPLES} "
            "(SQLite and PostgreSQL are supported)"
        )
    path = sqlite_file(url)
    if path is not None:
        if path.is_dir():
            return f"the SQLite store {path} is a directory; name a file in it"
        if not path.parent.is_dir():
            return f"the directory {path.parent} of the SQLite store {path} does not exist"
    return None


def store_absent(url: str, engine: Engine) -> str | None:
    """For the commands that only read: why there is no store at this URL (a SQLite
    file that does not exist, a database without wirewatch's tables), or None. Called
    before anything connects, since connecting to SQLite creates the file."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return _absent(str(path))
    if "articles" in inspect(engine).get_table_names():
        return None
    return _absent(str(path) if path is not None else masked(url))


def unusable(url: str, error: BaseException) -> str:
    """One line for a database that answered at start with an error no wait can cure
    (a file that is not a database, say)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"cannot use the database {masked(url)}: {lines[0] if lines else type(cause).__name__}"


def _absent(where: str) -> str:
    return f"no store at {where}; run `wirewatch run` first or check --database-url"
