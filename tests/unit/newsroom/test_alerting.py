"""Webhook alert rules, pure: which alerts are sent (triggers, keyword and source
filters), the retry backoff and the per-event rate limit, and the payload of a POST.
(The notifier and its SQL outbox: tests/unit/newsroom/test_webhook.py on SQLite,
tests/integration/test_webhook.py on SQLite and PostgreSQL.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pipeline.errors import ConfigurationError
from pipeline.newsroom.alerting import AlertRules, rate_limited, retry_delay, webhook_payload
from pipeline.newsroom.webhook import delivery_key
from pipeline.settings import Settings
from tests.support.alerts import T0, alert


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
