"""Match quality on /metrics (issue 12): the winning score, close calls, the largest
live event, events reopened, parts regrouped."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.events.index import Assignment
from pipeline.events.stage import EventPlan
from pipeline.runtime import metrics


def _value(name: str) -> float:
    value = metrics.REGISTRY.get_sample_value(name)
    return 0.0 if value is None else value


def test_a_batch_reports_its_match_quality() -> None:
    before = {
        n: _value(n)
        for n in (
            "wirewatch_event_match_score_count",
            "wirewatch_event_close_calls_total",
            "wirewatch_events_reopened_total",
            "wirewatch_parts_regrouped_total",
        )
    }
    plan = EventPlan(
        assignments=[
            Assignment("ev-1", created=False, similarity=0.9, best=0.9),
            Assignment("ev-2", created=True, similarity=None, best=0.18, close_call=True),
            Assignment("ev-3", created=True, similarity=None),  # the very first: no candidate
        ],
        largest_event=42,
        regrouped=3,
    )
    metrics.observe_events(plan, datetime.now(UTC))
    assert (
        _value("wirewatch_event_match_score_count")
        == before["wirewatch_event_match_score_count"] + 2
    )
    assert _value("wirewatch_event_close_calls_total") == (
        before["wirewatch_event_close_calls_total"] + 1
    )
    assert _value("wirewatch_event_largest_live_articles") == 42
    assert _value("wirewatch_parts_regrouped_total") == (
        before["wirewatch_parts_regrouped_total"] + 3
    )
    text, _ = metrics.exposition()
    assert b"wirewatch_events_reopened_total" in text
