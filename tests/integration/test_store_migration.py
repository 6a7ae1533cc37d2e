"""A store created before the desk's corrections (issue 14) gains their columns on start,
empty, and keeps its events: on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from pipeline.embedding import HashingEncoder
from pipeline.feeds import bundled_feed
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store


def test_an_older_store_gains_the_correction_columns(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    pipeline = InProcessPipeline(Settings(database_url=db_url), store, HashingEncoder())
    pipeline.run_batch(bundled_feed().read_bytes().splitlines())
    before = store.event_clusters()
    with store.engine.begin() as conn:  # as the store was before
        for column in ("pinned_article_id", "merged_into"):
            conn.execute(text(f"ALTER TABLE events DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE articles DROP COLUMN part_id"))
    store.close()

    again = Store(db_url)
    again.create_schema()
    columns = {c["name"] for c in inspect(again.engine).get_columns("events")}
    assert {"pinned_article_id", "merged_into"} <= columns
    assert "part_id" in {c["name"] for c in inspect(again.engine).get_columns("articles")}
    assert again.event_clusters() == before
    again.create_schema()  # and again: nothing to add
    again.close()
