"""Webhook alerts: the rules (pure), and the Notifier with its SQL outbox on SQLite and
PostgreSQL, POSTing to a real local HTTP receiver. The clock is a plain object the test
moves forward, so rate limits and retries are checked without waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from pipeline.errors import ConfigurationError
from pipeline.newsroom.alerting import AlertRules, rate_limited, retry_delay, webhook_payload
from pipeline.newsroom.webhook import Incoming, Notifier, delivery_key
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.messages import Alert
from tests.receiver import receiving

T = TypeVar("T")
T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


def alert(
    event_id: str,
    source: str,
    source_count: int,
    *,
    headline: str = "Dam breaks",
    kind: str = "source_joined",
    at: datetime = T0,
) -> Alert:
    alert_id = f"{event_id}:new_event" if kind == "new_event" else f"{event_id}:{kind}:{source}"
    return Alert(
        alert_id=alert_id,
        kind=kind,
        event_id=event_id,
        headline=headline,
        source=source,
        article_id=f"{event_id}-{source}",
        source_count=source_count,
        sources=[f"s{i}" for i in range(source_count)],
        created_at=at,
    )


def message(a: Alert, partition: int = 0) -> Incoming:
    return Incoming(a.model_dump_json().encode(), partition)


# -- rules ---------------------------------------------------------------------------------


def rules(**settings: Any) -> AlertRules:
    return AlertRules.from_settings(Settings(**settings))


def test_triggers() -> None:
    opened = alert("e", "a", 1, kind="new_event")
    joined2, joined3 = alert("e", "b", 2), alert("e", "c", 3)
    assert rules().decide(opened).send is False  # default: new sources only
    assert rules().decide(joined2).reason == "source_joined"
    crossing = rules(webhook_triggers="threshold", webhook_source_threshold=3)
    assert [crossing.decide(a).send for a in (opened, joined2, joined3)] == [False, False, True]
    assert crossing.decide(joined3).reason == "threshold"
    both = rules(webhook_triggers="new_event, source_joined")
    assert [both.decide(a).send for a in (opened, joined2)] == [True, True]


def test_filters() -> None:
    by_keyword = rules(webhook_keywords="earthquake, dam")
    assert by_keyword.decide(alert("e", "b", 2, headline="DAM breaks upstream")).send
    assert by_keyword.decide(alert("e", "b", 2, headline="Amsterdam votes")).reason == (
        "keyword_filter"  # whole words only
    )
    by_source = rules(webhook_sources="Reuters,afp")
    assert by_source.decide(alert("e", "reuters", 2)).send
    assert by_source.decide(alert("e", "blog", 2)).reason == "source_filter"


def test_unknown_trigger_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="new_event, source_joined, threshold"):
        rules(webhook_triggers="source_left")


def test_backoff_and_rate_limit() -> None:
    assert [retry_delay(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay(30, 2.0) == 300.0
    assert not rate_limited(None, T0, 60)
    assert rate_limited(T0, T0 + timedelta(seconds=59), 60)
    assert not rate_limited(T0, T0 + timedelta(seconds=60), 60)


def test_payload_lists_the_alerts_oldest_first() -> None:
    later, earlier = alert("e", "c", 3), alert("e", "b", 2)
    body = webhook_payload([(later, "source_joined"), (earlier, "source_joined")], T0)
    assert [a["source"] for a in body["alerts"]] == ["b", "c"]
    assert body["source_count"] == 3 and body["event_id"] == "e"
    assert delivery_key(["x", "y"]) == delivery_key(["y", "x"])


# -- the notifier on a real store and a real HTTP receiver ----------------------------------


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


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
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


def test_each_alert_is_posted_once_even_when_delivered_twice(db_url: str) -> None:
    clock = Clock()
    with receiving() as receiver:
        n = notifier(db_url, receiver.url, clock)
        first, second = alert("e1", "b", 2), alert("e1", "c", 3)

        async def scenario() -> None:
            await n.queue([message(first), message(first)])  # twice in one batch
            await n.queue([message(first)])  # and redelivered later
            assert await n.deliver_due([0]) == 1
            await n.queue([message(first), message(second)])
            clock.advance(61)
            assert await n.deliver_due([0]) == 1
            clock.advance(61)
            assert await n.deliver_due([0]) == 0  # nothing left

        asyncio.run(scenario())
    assert receiver.alert_ids() == [first.alert_id, second.alert_id]
    assert receiver.posts[0].headers["X-Wirewatch-Delivery"] == delivery_key([first.alert_id])
    assert n.outbox.statuses() == {first.alert_id: "delivered", second.alert_id: "delivered"}


def test_alerts_within_the_rate_limit_wait_and_go_together(db_url: str) -> None:
    clock = Clock()
    with receiving() as receiver:
        n = notifier(db_url, receiver.url, clock)

        async def scenario() -> None:
            await n.queue([message(alert("e1", "b", 2)), message(alert("e2", "x", 2))])
            assert await n.deliver_due([0]) == 2  # one POST per event
            await n.queue([message(alert("e1", "c", 3))])
            clock.advance(30)
            await n.queue([message(alert("e1", "d", 4))])
            assert await n.deliver_due([0]) == 0  # e1 posted 30 s ago: wait
            clock.advance(31)
            assert await n.deliver_due([0]) == 1

        asyncio.run(scenario())
    bodies = [p.body for p in receiver.accepted()]
    assert [(b["event_id"], [a["source"] for a in b["alerts"]]) for b in bodies] == [
        ("e1", ["b"]),
        ("e2", ["x"]),
        ("e1", ["c", "d"]),
    ]


def test_failed_posts_are_retried_with_backoff_then_given_up(db_url: str) -> None:
    clock = Clock()
    with receiving(answers=[503, 500, 500, 500]) as receiver:
        n = notifier(db_url, receiver.url, clock)
        a, b = alert("e1", "b", 2), alert("e2", "c", 2)

        async def scenario() -> None:
            await n.queue([message(a)])
            assert await n.deliver_due([0]) == 0  # 503
            assert await n.deliver_due([0]) == 0  # not due yet: no POST
            clock.advance(5)
            assert await n.deliver_due([0]) == 0  # 500, second attempt
            clock.advance(10)
            assert await n.deliver_due([0]) == 0  # 500, third: give up
            clock.advance(600)
            assert await n.deliver_due([0]) == 0  # nothing more for a
            await n.queue([message(b)])
            assert await n.deliver_due([0]) == 0  # 500
            clock.advance(5)
            assert await n.deliver_due([0]) == 1  # 200

        asyncio.run(scenario())
    assert [p.status for p in receiver.posts] == [503, 500, 500, 500, 200]
    assert n.outbox.statuses() == {a.alert_id: "failed", b.alert_id: "delivered"}


def test_filtered_alerts_are_kept_as_skipped_and_other_partitions_left_alone(
    db_url: str,
) -> None:
    clock = Clock()
    with receiving() as receiver:
        n = notifier(db_url, receiver.url, clock, webhook_sources="afp")
        kept, dropped, elsewhere = (
            alert("e1", "afp", 2),
            alert("e1", "blog", 3),
            alert("e2", "afp", 2),
        )

        async def scenario() -> None:
            await n.queue([message(kept), message(dropped), message(elsewhere, partition=1)])
            assert await n.deliver_due([0]) == 1  # partition 1 belongs to another worker

        asyncio.run(scenario())
    assert receiver.alert_ids() == [kept.alert_id]
    assert n.outbox.statuses() == {
        kept.alert_id: "delivered",
        dropped.alert_id: "skipped",
        elsewhere.alert_id: "pending",
    }


def test_unreadable_alert_is_skipped_not_fatal(sqlite_url: str) -> None:
    clock = Clock()
    with receiving() as receiver:
        n = notifier(sqlite_url, receiver.url, clock)
        asyncio.run(n.queue([Incoming(b"not json", 0), message(alert("e1", "b", 2))]))
        assert asyncio.run(n.deliver_due([0])) == 1
    assert len(receiver.alert_ids()) == 1
