"""The store on SQLite and PostgreSQL: idempotent writes, the outbox, safe parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Connection

from pipeline.events.index import EventIndex
from pipeline.events.stage import EventStage
from pipeline.store import Writes
from pipeline.store.engine import begin_unsynced
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import Embedded
from schemas.tables import alerts, articles, event_sources, event_updates, events, requeues

pytestmark = pytest.mark.postgres
T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)


def _embedded(id: str, source: str, vector: list[float], dup: str | None = None) -> Embedded:
    article = Article(
        id=id,
        source=source,
        title=f"Title of {id}",
        body=f"Body of {id}.",
        published_at=T0,
        received_at=T0,
    )
    v = np.array(vector, dtype=np.float32)
    return Embedded(
        article=article,
        duplicate_of=dup,
        dup_similarity=0.9 if dup else None,
        produced_at=T0,
        embedding=None if dup else Embedded.pack(v / np.linalg.norm(v)),
    )


def _counts(store: Store) -> dict[str, int]:
    return {
        t.name: store.count(t) for t in (articles, events, event_sources, event_updates, alerts)
    }


def test_writing_a_batch_twice_changes_nothing(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    batch = [
        _embedded("a", "afp", [1, 0]),
        _embedded("b", "reuters", [0.9, 0.1]),
        _embedded("c", "lemonde", [0, 1]),
        _embedded("a2", "ouest", [1, 0], dup="a"),
    ]
    stage = EventStage(store, EventIndex())
    plan = stage.plan(batch, T0)
    stage.save(plan)
    first = _counts(store)
    assert first == {
        "articles": 4,
        "events": 2,
        "event_sources": 4,
        "event_updates": 4,
        "alerts": 4,
    }
    stage.save(plan)  # the same writes again, as after a crash before the commit
    replay = stage.plan(batch, T0)  # the same messages again
    assert replay.replays == 4 and not replay.writes
    fresh = EventStage(store, EventIndex())  # a restarted worker
    assert fresh.load() == 2
    assert fresh.plan(batch, T0).replays == 4
    assert _counts(store) == first
    clusters = {c["event_id"]: c for c in store.event_clusters()}
    a_event = next(c for c in clusters.values() if any(x["id"] == "a" for x in c["articles"]))
    assert {x["id"]: x["duplicate_of"] for x in a_event["articles"]} == {
        "a": None,
        "b": None,
        "a2": "a",
    }
    assert a_event["sources"] == ["afp", "ouest", "reuters"]


def test_the_outbox_is_published_once(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    stage = EventStage(store, EventIndex())
    stage.save(stage.plan([_embedded("a", "afp", [1, 0])], T0))
    outbox = store.pending_outbox()
    assert len(outbox.updates) == 1 and len(outbox.alerts) == 1
    assert outbox.updates[0][0].startswith("ev-")
    store.mark_published(outbox)
    assert not store.pending_outbox()


def _synced(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    return conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_only_the_unsynced_transaction_skips_the_disk_flush(db_url: str) -> None:
    """The published marks' transaction commits without waiting for the disk; the
    connection is synced again before anything else uses it, also when it failed."""
    store = Store(db_url)
    store.create_schema()
    stage = EventStage(store, EventIndex())
    stage.save(stage.plan([_embedded("a", "afp", [1, 0])], T0))
    with store.engine.connect() as conn:
        assert _synced(conn)
    with pytest.raises(RuntimeError, match="midway"), begin_unsynced(store.engine) as conn:
        assert not _synced(conn)
        conn.execute(update(event_updates).values(published=True))
        raise RuntimeError("midway")
    assert len(store.pending_outbox().updates) == 1  # rolled back
    with store.engine.connect() as conn:
        assert _synced(conn)
    store.mark_published(store.pending_outbox())
    assert not store.pending_outbox()
    with store.engine.connect() as conn:
        assert _synced(conn)
    store.close()


def test_hostile_strings_are_only_data(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    stage = EventStage(store, EventIndex())
    nasty = "x'); DROP TABLE articles; -- <script>alert(1)</script>"
    stage.save(stage.plan([_embedded(nasty, nasty, [1, 0]), _embedded("b", "b", [0, 1])], T0))
    stored = {a["id"]: a for c in store.event_clusters() for a in c["articles"]}
    assert stored[nasty]["source"] == nasty
    assert store.count(articles) == 2


def _requeue(key: str, article: str | None, topic: str, at: datetime) -> dict[str, object]:
    return {"letter_key": key, "article_id": article, "requeued_to": topic, "requeued_at": at}


def test_requeues_are_recorded_once_per_dead_letter_with_the_latest_time(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    assert store.requeued() == {}
    first, later = T0, T0.replace(hour=11)
    store.record_requeues(
        [_requeue("k1", "a", "articles", first), _requeue("k2", None, "deduped", first)]
    )
    store.record_requeues([_requeue("k1", "a", "articles", later)])
    assert store.requeued() == {"k1": ("articles", later), "k2": ("deduped", first)}
    store.close()


def test_a_store_made_before_requeues_were_recorded_takes_them(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    requeues.drop(store.engine)  # as a store of an earlier release
    assert store.requeued() == {}
    store.record_requeues([_requeue("k", "a", "articles", T0)])
    assert store.requeued() == {"k": ("articles", T0)}
    store.close()


def test_the_parts_due_are_replaced_whole_by_each_write_that_names_them(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    store.write(Writes(due=frozenset({"p1", "p2"})))
    assert store.due_parts() == {"p1", "p2"}
    store.write(Writes(due=frozenset({"p2", "p3"})))
    assert store.due_parts() == {"p2", "p3"}
    store.write(Writes())  # a write that does not name them leaves them
    assert store.due_parts() == {"p2", "p3"}
    store.write(Writes(due=frozenset()))
    assert store.due_parts() == set()
    store.close()
