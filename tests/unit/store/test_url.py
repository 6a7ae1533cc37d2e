"""Issue 13, items 5 and 9: a store URL is shown without its password, and a URL that can
never work is told at once, before anything waits for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.store.url import masked, url_problem


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://ww:s3cret@db:5432/ww", "postgresql+psycopg://ww:***@db:5432/ww"),
        ("postgresql://ww@db/ww", "postgresql://ww@db/ww"),
        ("sqlite:///wirewatch.db", "sqlite:///wirewatch.db"),
        ("not a url ww:s3cret@db", "not a url ww:***@db"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert masked(url) == shown


def test_a_sqlite_file_in_a_missing_directory_is_a_problem(tmp_path: Path) -> None:
    problem = url_problem(f"sqlite:///{tmp_path / 'nowhere' / 'ww.db'}")
    assert problem is not None and "does not exist" in problem and "nowhere" in problem
    assert url_problem(f"sqlite:///{tmp_path / 'ww.db'}") is None
    assert url_problem("sqlite://") is None and url_problem("sqlite:///:memory:") is None


def test_a_directory_is_no_sqlite_file(tmp_path: Path) -> None:
    problem = url_problem(f"sqlite:///{tmp_path}")
    assert problem is not None and "is a directory" in problem


def test_an_unknown_dialect_or_a_missing_driver_is_a_problem() -> None:
    unknown = url_problem("nosuchdb://host/db")
    assert unknown is not None and "nosuchdb" in unknown
    missing = url_problem("mysql://ww:s3cret@host/db")
    assert missing is not None and "MySQLdb" in missing and "s3cret" not in missing
    garbled = url_problem("just words")
    assert garbled is not None and "sqlite:///" in garbled  # says what a URL looks like
    assert url_problem("postgresql+psycopg://ww@db/ww") is None
