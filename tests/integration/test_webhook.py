"""Webhook alerts: the Notifier with its SQL outbox on SQLite and PostgreSQL, POSTing to a
real local HTTP receiver. The clock is a plain object the test moves forward, so rate
limits and retries are checked without waiting. (The rules alone:
tests/unit/newsroom/test_alerting.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pipeline.newsroom.webhook import delivery_key
from tests.support.alerts import Clock, alert, close_stores, message, notifier
from tests.support.receiver import receiving


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    close_stores()


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
