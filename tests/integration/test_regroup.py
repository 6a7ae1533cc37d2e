"""Parts that move between events as their evidence grows (pipeline/events/grouping.py):
on a real replay (ECB+ with its twin events re-timed to one afternoon) parts move, and the
store stays what a reader of the event updates and a restarted worker must find: every
article of a part in the part's event, every event's counts and sources those of its
articles, an emptied event gone into the one that took its last part, and each event's
last update saying how it stands."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pipeline.embedding.encoder import HashingEncoder
from pipeline.evaluation.replay import load_corpus
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store import Store
from schemas.tables import articles, event_sources, event_updates, events
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

TWINS = ROOT / "data/eval/variants/ecbplus_dev.twins_3h.jsonl"


@pytest.fixture(scope="module")
def replayed() -> tuple[Store, int]:
    store = Store("sqlite://")
    store.create_schema()
    pipeline = InProcessPipeline(Settings(model="hashing"), store, HashingEncoder())
    corpus = load_corpus(TWINS)
    regrouped = sum(
        r.events.regrouped for r in pipeline.run(list(corpus.lines()), datetime.now(UTC))
    )
    return store, regrouped


def test_parts_move_as_their_evidence_grows(replayed: tuple[Store, int]) -> None:
    store, regrouped = replayed
    assert regrouped > 0
    kinds = Counter(r.kind for r in store.fetch_all(select(event_updates.c.kind)))
    assert kinds["regrouped"] > 0


def test_the_store_stays_whole_after_moves(replayed: tuple[Store, int]) -> None:
    store, _ = replayed
    stored = store.fetch_all(select(articles))
    of_event: dict[str, list[object]] = defaultdict(list)
    part_events: dict[str, set[str]] = defaultdict(set)
    for a in stored:
        of_event[a.event_id].append(a)
        if a.part_id:
            part_events[a.part_id].add(a.event_id)
    assert all(len(e) == 1 for e in part_events.values())  # a part is in one event
    sources: dict[str, set[str]] = defaultdict(set)
    for s in store.fetch_all(select(event_sources)):
        sources[s.event_id].add(s.source)
    rows = store.fetch_all(select(events))
    for row in rows:
        held = of_event.get(row.id, [])
        assert row.article_count == len(held)
        assert row.duplicate_count == sum(a.duplicate_of is not None for a in held)
        assert sources[row.id] == {a.source for a in held}
        assert row.source_count == len(sources[row.id])
        if not held:  # emptied by a move: gone into the event that took its last part
            assert row.merged_into in {r.id for r in rows if of_event.get(r.id)}
    assert {r.id for r in rows} >= set(of_event)


def test_each_events_last_update_says_how_it_stands(replayed: tuple[Store, int]) -> None:
    store, _ = replayed
    last: dict[str, dict[str, object]] = {}
    for u in store.fetch_all(select(event_updates).order_by(event_updates.c.seq)):
        last[u.event_id] = json.loads(u.payload)
    counts = {r.id: r.article_count for r in store.fetch_all(select(events))}
    assert {e: u["article_count"] for e, u in last.items()} == counts
    for update in last.values():
        if update["kind"] == "regrouped":
            assert len(update["members"]) == update["article_count"]
