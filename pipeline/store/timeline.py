"""Reads of the store's outbox, `event_updates`, which doubles as each event's timeline:
every change of every event, in the order it was written."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import select

from pipeline.store.order import event_order_by
from pipeline.store.store import Store
from schemas.messages import EventUpdate
from schemas.tables import event_updates, events

log = logging.getLogger(__name__)


def recent_updates(store: Store, max_events: int) -> list[EventUpdate]:
    """Every update of the first `max_events` events in the event order, oldest first."""
    recent = select(events.c.id).order_by(*event_order_by()).limit(max_events)
    event_ids = [row.id for row in store.run(lambda: store.fetch_all(recent))]
    return updates_of(store, event_ids)


def updates_of(store: Store, event_ids: Sequence[str]) -> list[EventUpdate]:
    """Every update of the given events, in write order."""
    parsed: list[EventUpdate] = []
    for start in range(0, len(event_ids), 500):
        chunk = list(event_ids[start : start + 500])
        query = (
            select(event_updates.c.id, event_updates.c.payload)
            .where(event_updates.c.event_id.in_(chunk))
            .order_by(event_updates.c.seq)
        )
        for row in store.run(lambda q=query: store.fetch_all(q)):
            try:
                parsed.append(EventUpdate.model_validate_json(row.payload))
            except ValidationError as exc:
                log.warning(
                    "unreadable event update in the store, left out",
                    extra={"update_id": row.id, "error": str(exc).splitlines()[0]},
                )
    return parsed
