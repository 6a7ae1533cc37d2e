"""The faust agents: one module per stage, each a thin loop from a stream to its stage.

articles ─► dedup ─► <app>.deduped ─► cluster (embeds) ─► <app>.embedded ─► sink
              └─► articles.dlq                      event-updates, alerts ◄─┘
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime

import faust
from faust.types import EventT


async def send_all(messages: Iterable[tuple[faust.TopicT, bytes | None, bytes]]) -> None:
    """Send and wait until the broker has every message: only then may offsets move on."""
    pending = [await topic.send(key=key, value=value) for topic, key, value in messages]
    await asyncio.gather(*pending)


async def ack_all(stream: faust.StreamT, events: Iterable[EventT]) -> None:
    for event in events:
        await stream.ack(event)


def produced_at(event: EventT) -> datetime:
    timestamp = event.message.timestamp
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else datetime.now(UTC)
