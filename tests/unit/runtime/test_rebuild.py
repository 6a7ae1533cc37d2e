"""A worker's stages rebuilt from the store (`Services`): the event stage weighs first the
parts a stop left unweighed, and a rebuild that fails is tried again, never skipped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, select, update

from pipeline.embedding.encoder import HashingEncoder
from pipeline.evaluation.replay import load_corpus
from pipeline.runtime.services import Services
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store
from schemas.tables import articles, fingerprints
from tests.support.paths import ROOT

SETTINGS = Settings(model="hashing")
# ECB+ with its twin events re-timed to one afternoon (March 2026): parts grow there.
TWINS = ROOT / "data/eval/variants/ecbplus_dev.twins_3h.jsonl"
RECEIVED = datetime(2026, 4, 1, tzinfo=UTC)


def _stopped_before_a_regroup(store: Store) -> set[str]:
    """Batches of the twins, regrouped after each, until one grows parts to a size
    weighed again: it is written, and the worker stops before its regroup. Returns the
    parts left due."""
    pipeline = InProcessPipeline(SETTINGS, store, HashingEncoder())
    lines = list(load_corpus(TWINS).lines())
    for start in range(0, len(lines), SETTINGS.batch_max):
        dedup = pipeline.deduplicate(lines[start : start + SETTINGS.batch_max], RECEIVED)
        events = pipeline.events
        events.save(events.plan(pipeline.embed(dedup.forward), RECEIVED))
        if events.grouping.due:
            return set(events.grouping.due)
        pipeline.regroup(RECEIVED)
    raise AssertionError("no batch grew a part to a size weighed again")


def test_the_parts_a_stop_left_unweighed_are_weighed_on_rebuild(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema()
    due = _stopped_before_a_regroup(store)
    assert store.due_parts() == due
    services = Services(SETTINGS, store)
    stage = asyncio.run(services.event_stage())
    assert not stage.grouping.due
    assert store.due_parts() == set()
    store.close()


@pytest.mark.parametrize(
    ("stage", "column"), [("events", articles.c.embedding), ("dedup", fingerprints.c.signature)]
)
def test_a_rebuild_that_fails_is_tried_again_not_skipped(
    tmp_path: Path, stage: str, column: Column[bytes]
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema()
    pipeline = InProcessPipeline(SETTINGS, store, HashingEncoder())
    pipeline.run_batch(list(load_corpus(TWINS).lines())[:20], RECEIVED)
    services = Services(SETTINGS, store)
    rebuild = services.event_stage if stage == "events" else services.dedup_stage
    built = asyncio.run(rebuild())
    # A stored value the stage cannot read: rebuilding fails until it is mended.
    key = next(c for c in column.table.primary_key.columns)
    with store.engine.begin() as conn:
        row = conn.execute(select(key, column).limit(1)).one()
        conn.execute(update(column.table).where(key == row[0]).values({column.name: b"bad"}))
    services.stale.add(stage)  # as after a failed batch, or a new assignment
    for _ in range(2):
        with pytest.raises(ValueError):
            asyncio.run(rebuild())
    with store.engine.begin() as conn:
        conn.execute(update(column.table).where(key == row[0]).values({column.name: row[1]}))
    rebuilt = asyncio.run(rebuild())
    assert rebuilt is not built
    store.close()
