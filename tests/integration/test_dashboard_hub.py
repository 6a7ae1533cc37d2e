"""The dashboard's hub on a real store (SQLite and PostgreSQL): the board is loaded from
the outbox, an event that fell off the board comes back whole, repeats are silent."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from pipeline.newsroom.dashboard import Hub
from pipeline.store import Store
from tests.support.stories import FLOOD, QUAKE, outbox_writes


def messages(queue: asyncio.Queue[bytes | None]) -> list[tuple[str, dict]]:
    found = []
    while not queue.empty():
        raw = queue.get_nowait()
        assert raw is not None
        name, data = raw.decode().strip().split("\n")
        found.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_board_from_the_store_then_live(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    # The quake happened first; the flood is the more recent activity.
    late_flood = [
        u.model_copy(update={"emitted_at": u.emitted_at + timedelta(hours=1)}) for u in FLOOD
    ]
    store.write(outbox_writes(QUAKE[:3] + late_flood))

    async def scenario() -> None:
        hub = Hub(store, max_events=1)
        await hub.load_from_store()
        queue = hub.subscribe()
        [(name, snapshot)] = messages(queue)
        assert name == "snapshot"
        assert [e["event_id"] for e in snapshot["events"]] == ["ev-flood"]

        # The quake's fourth article: the hub fetches its first three from the store.
        late = QUAKE[3].model_copy(update={"emitted_at": QUAKE[3].emitted_at + timedelta(hours=2)})
        store.write(outbox_writes([late]))
        await hub.apply(late)
        [(name, change)] = messages(queue)
        assert name == "event"
        quake = change["event"]
        assert quake["article_count"] == 4
        assert len(quake["timeline"]) == 4
        assert [s["id"] for s in quake["stories"]] == ["q1", "q3", "q4"]
        assert [e.event_id for e in hub.board.events()] == ["ev-quake"]

        await hub.apply(late)  # delivered twice: nothing to say
        assert messages(queue) == []

    try:
        asyncio.run(scenario())
    finally:
        store.close()
