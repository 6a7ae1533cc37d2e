"""The store under hostile values and failing servers, on SQLite and PostgreSQL.

- Values reach SQL as bound parameters only: a source or title carrying SQL or markup
  changes nothing but its own row, and is stored as written (markup cleaned).
- NUL characters, which PostgreSQL text columns refuse, never reach them.
- Errors that mean "the database is away" become StoreUnavailable (the stages wait and
  retry); errors that belong to one write do not (the write is isolated).

What needs no server (no SQL written by hand, SQLite's errors told apart) is in
tests/unit/store/test_store_safety.py.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from pipeline.embedding.encoder import HashingEncoder
from pipeline.errors import StoreUnavailable
from pipeline.kafka.broker import free_port
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.availability import is_unavailable, looks_misconfigured
from pipeline.store.store import Store
from schemas.tables import articles, events, fingerprints
from tests.support.faults import TABLES
from tests.support.sql import error_of

NOW = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
INJECTIONS = [
    "x'); DROP TABLE articles; --",
    "'; DELETE FROM events WHERE '1'='1",
    "\" OR 1=1; UPDATE articles SET source='pwned' --",
    "Robert'); DROP TABLE event_sources;--",
    "\\'; TRUNCATE fingerprints; --",
    "$$; DROP TABLE alerts; $$",
]


def run_through_stages(store: Store, messages: list[dict[str, Any]]) -> None:
    """Dedup, embed and place the messages, writing as the agents do."""
    pipeline = InProcessPipeline(Settings(), store, HashingEncoder())
    pipeline.load()
    result = pipeline.run_batch([json.dumps(m).encode() for m in messages], NOW)
    assert result.dedup.dead == [], [d.detail for d in result.dedup.dead]


def snapshot(store: Store, exclude_ids: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(select(table))
                if not exclude_ids & {str(v) for v in row}
            )
            for table in (articles, fingerprints)
        }


def test_sql_and_markup_in_values_change_nothing_but_their_own_row(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    run_through_stages(
        store,
        [
            {
                "id": f"calm-{i}",
                "source": f"calm{i}.example",
                "title": f"Calm story {i}",
                "body": f"An ordinary report number {i} about the harbour and the weather today.",
            }
            for i in range(5)
        ],
    )
    counts_before = {t.name: store.count(t) for t in TABLES}
    before = snapshot(store, set())

    hostile = [
        {
            "id": f"evil-{i}'--",
            "source": payload,
            "title": f"<script>alert('{i}')</script>{payload}",
            "body": f"{payload} <b>bold</b> and a report about something else entirely {i}.",
            "url": f"https://example.org/?q={payload}",
            "language": "fr'--",
            "kicker": payload,
        }
        for i, payload in enumerate(INJECTIONS)
    ]
    run_through_stages(store, hostile)

    # Every table is there, the other rows are as they were, and one row was added per
    # hostile article.
    assert snapshot(store, {m["id"] for m in hostile}) == before
    after = {t.name: store.count(t) for t in TABLES}
    assert after["articles"] == counts_before["articles"] + len(hostile)
    assert all(after[name] >= counts_before[name] for name in after)
    # Each is stored as written: SQL verbatim, markup removed.
    with store.engine.connect() as conn:
        rows = {
            r.id: r
            for r in conn.execute(
                select(articles).where(articles.c.id.in_([m["id"] for m in hostile]))
            )
        }
    for message, payload in zip(hostile, INJECTIONS, strict=True):
        row = rows[message["id"]]
        assert row.source == payload
        assert row.title == payload  # the <script> element is gone, the SQL kept as text
        assert row.body.startswith(f"{payload} bold and")
        assert json.loads(row.extra) == {"kicker": payload}
    store.close()


@pytest.mark.postgres
def test_nul_characters_never_reach_postgresql(pg_url: str) -> None:
    store = Store(pg_url)
    store.create_schema()
    # PostgreSQL itself refuses them: this is what the pipeline must never send.
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("SELECT CAST(:v AS text)"), {"v": "a\x00b"})
    nul = "\x00"
    run_through_stages(
        store,
        [
            {
                "id": "nul-1",
                "source": "wire.example",
                "title": f"Title{nul} with NUL",
                "body": f"Body{nul} with{nul} NUL characters in it.",
                "url": f"https://x.org/{nul}",
                "language": f"en{nul}",
                f"key{nul}": f"value{nul}",
                "nested": {"v": [nul]},
            }
        ],
    )
    with store.engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == "nul-1")).one()
        event = conn.execute(select(events).where(events.c.id == row.event_id)).one()
    assert row.title == "Title with NUL" and row.body == "Body with NUL characters in it."
    assert row.url == "https://x.org/" and row.language == "en"
    assert "\x00" not in row.extra and json.loads(row.extra)["nested"] == {"v": ["\x00"]}
    assert "\x00" not in event.headline
    store.close()


# -- which errors mean "unavailable" -------------------------------------------------


@pytest.mark.postgres
def test_postgresql_errors_are_told_apart(pg_url: str) -> None:
    refused = pg_url.replace(pg_url.split("@")[1].split("/")[0], f"127.0.0.1:{free_port()}")
    assert is_unavailable(error_of(refused, "SELECT 1"))
    assert is_unavailable(error_of(pg_url, "SET statement_timeout = 10; SELECT pg_sleep(1)"))
    assert is_unavailable(
        error_of(pg_url, "SELECT pg_terminate_backend(pg_backend_pid())")
    )  # admin shutdown, 57P01
    assert not is_unavailable(error_of(pg_url, "SELECT 1/0"))
    assert not is_unavailable(error_of(pg_url, "SELECT CAST('x' AS integer)"))
    # A login refused is unavailable to a running worker, and a setting to fix at start.
    base, _, database = pg_url.rpartition("/")
    no_role = re.sub(r"//[^@]*@", "//no_such_role@", base) + "/" + database
    error = error_of(no_role, "SELECT 1")
    assert is_unavailable(error) and looks_misconfigured(str(error.orig))
    with pytest.raises(StoreUnavailable):
        Store(refused).count(articles)
