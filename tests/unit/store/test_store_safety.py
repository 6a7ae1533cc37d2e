"""The store's safety that needs no database server: every statement of the pipeline is
built by SQLAlchemy Core (values are bound, never written into SQL), and SQLite's errors
that mean "the database is away" become StoreUnavailable while those of one write do not.
(The same on PostgreSQL, and hostile values through the stages:
tests/integration/test_store_safety.py.)"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from pipeline.errors import ConfigurationError
from pipeline.store.availability import is_unavailable
from pipeline.store.store import Store
from schemas.tables import articles
from tests.support.paths import ROOT
from tests.support.sql import error_of


def test_no_sql_is_written_by_hand() -> None:
    """Every statement in the pipeline is built by SQLAlchemy Core: values are bound."""
    hand_written = re.compile(
        r"exec_driver_sql|\.execute\(\s*f?[\"']|from sqlalchemy[\w.]* import .*\btext\b"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("pipeline", "agents", "schemas")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if hand_written.search(line)
        and "PRAGMA" not in line  # constant settings of SQLite
        and "SET LOCAL" not in line  # and of a PostgreSQL transaction
    ]
    assert offenders == []


def test_sqlite_errors_are_told_apart(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    assert is_unavailable(error_of(missing, "SELECT 1"))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    holder = sqlite3.connect(tmp_path / "db.sqlite")
    holder.execute("CREATE TABLE t (x INTEGER NOT NULL)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert is_unavailable(error_of(url, "INSERT INTO t VALUES (1)", timeout=0))
    finally:
        holder.rollback()
        holder.close()
    assert not is_unavailable(error_of(url, "INSERT INTO t VALUES (NULL)"))
    assert not is_unavailable(error_of(url, "SELECT * FROM no_such_table"))
    # Waiting cannot create a directory: the store says so at once (issue 13, item 9).
    with pytest.raises(ConfigurationError, match="does not exist"):
        Store(missing).count(articles)


def test_sqlite_commits_are_on_disk_when_they_return(tmp_path: Path) -> None:
    """WAL (readers beside the writer) and synchronous FULL: a commit is on disk before
    the worker acknowledges its input to the broker."""
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        finally:
            raw.close()
    finally:
        store.close()
