"""The webhook notifier on a SQLite store, POSTing to a real local HTTP receiver: an
unreadable alert is skipped, not fatal. (The rest of the notifier, on SQLite and
PostgreSQL: tests/integration/test_webhook.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pipeline.newsroom.webhook import Incoming
from tests.support.alerts import Clock, alert, close_stores, message, notifier
from tests.support.receiver import receiving


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    close_stores()


def test_unreadable_alert_is_skipped_not_fatal(sqlite_url: str) -> None:
    clock = Clock()
    with receiving() as receiver:
        n = notifier(sqlite_url, receiver.url, clock)
        asyncio.run(n.queue([Incoming(b"not json", 0), message(alert("e1", "b", 2))]))
        assert asyncio.run(n.deliver_due([0])) == 1
    assert len(receiver.alert_ids()) == 1
