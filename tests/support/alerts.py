"""Alerts and notifiers for the webhook tests. The clock is a plain object the test moves
forward, so rate limits and retries are checked without waiting; the stores the
notifiers open are closed by `close_stores()` (each test module calls it after a test)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pipeline.events.tracker import make_alert
from pipeline.newsroom.webhook import Incoming, Notifier
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.messages import Alert, AlertKind

T = TypeVar("T")
T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


def alert(
    event_id: str,
    source: str,
    source_count: int,
    *,
    headline: str = "Dam breaks",
    kind: AlertKind = "source_joined",
    at: datetime = T0,
) -> Alert:
    sources = [f"s{i}" for i in range(source_count)]
    return make_alert(kind, event_id, headline, source, f"{event_id}-{source}", None, sources, at)


def message(a: Alert, partition: int = 0) -> Incoming:
    return Incoming(a.model_dump_json().encode(), partition)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def in_thread(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(work, *args)


OPEN_STORES: list[Store] = []


def close_stores() -> None:
    while OPEN_STORES:
        OPEN_STORES.pop().close()


def notifier(db_url: str, url: str, clock: Clock, **overrides: Any) -> Notifier:
    store = Store(db_url)
    OPEN_STORES.append(store)
    store.create_schema()
    settings = Settings(
        database_url=db_url,
        webhook_url=url,
        webhook_min_interval_s=60,
        webhook_retry_base_s=5,
        webhook_max_attempts=3,
        webhook_timeout_s=5,
        **overrides,
    )
    run_db: Callable[..., Awaitable[Any]] = in_thread
    return Notifier(settings, store, run_db, clock=clock)
