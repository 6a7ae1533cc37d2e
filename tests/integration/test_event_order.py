"""One order of events everywhere (SQLite and PostgreSQL): the store's table for the
CLI, the board the dashboard loads (`/api/events`) and the events it keeps when it has
room for only some. Last activity first, then the most recent first_seen, then the id."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pipeline.newsroom.dashboard import Hub
from pipeline.store.store import Store
from schemas.messages import EventUpdate
from tests.support.stories import T0, article, outbox_writes, story

ACTIVE = T0 + timedelta(hours=2)  # the last change of the tied events


def active_at(updates: list[EventUpdate], last: timedelta) -> list[EventUpdate]:
    n = len(updates)
    return [
        u.model_copy(update={"emitted_at": ACTIVE + last - timedelta(seconds=n - i - 1)})
        for i, u in enumerate(updates)
    ]


TIED = timedelta(0)
EVENTS = [
    # first_seen 10:00, last_seen 10:30
    active_at(story("ev-a", (article("a1", "s1", 0), None), (article("a2", "s2", 30), None)), TIED),
    # first_seen 10:20
    active_at(story("ev-b", (article("b1", "s1", 20), None)), TIED),
    # c and d: the same first_seen 10:05 and last_seen 10:40
    active_at(story("ev-d", (article("d1", "s1", 5), None), (article("d2", "s2", 40), None)), TIED),
    active_at(story("ev-c", (article("c1", "s1", 5), None), (article("c2", "s2", 40), None)), TIED),
    # the newest article of all, but its last change is an hour older
    active_at(story("ev-z", (article("z1", "s1", 60), None)), -timedelta(hours=1)),
]
EXPECTED = ["ev-b", "ev-c", "ev-d", "ev-a", "ev-z"]


def loaded_board(store: Store, max_events: int) -> list[dict]:
    async def load() -> list[dict]:
        hub = Hub(store, max_events=max_events)
        await hub.load_from_store()
        return hub.board.snapshot()

    return asyncio.run(load())


def test_the_store_the_board_and_its_sort_key_agree(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    try:
        store.write(outbox_writes([u for updates in EVENTS for u in updates]))
        assert [c["event_id"] for c in store.event_clusters()] == EXPECTED
        assert [c["event_id"] for c in store.event_clusters(limit=2)] == EXPECTED[:2]
        board = loaded_board(store, max_events=10)
        assert [e["event_id"] for e in board] == EXPECTED
        # The page sorts by this key, as strings: the same order.
        keys = [e["order_key"] for e in board]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        # A board with room for three keeps the first three of that order.
        assert [e["event_id"] for e in loaded_board(store, max_events=3)] == EXPECTED[:3]
    finally:
        store.close()
