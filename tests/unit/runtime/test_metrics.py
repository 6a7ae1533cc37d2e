"""pipeline/runtime/metrics.py: what the agents report reaches the /metrics exposition.
The stage plans are real ones, of a batch through the in-process pipeline; the counters
are the process's own, so each test compares the exposition before and after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipeline.embedding.encoder import HashingEncoder
from pipeline.runtime.metrics import (
    TimedEncoder,
    exposition,
    observe_dedup,
    observe_events,
    observe_lag,
)
from pipeline.settings import Settings
from pipeline.stages import BatchResult, InProcessPipeline
from pipeline.store.store import Store

NOW = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
BODY = (
    "The river burst its banks on Tuesday and flooded the lower town overnight; the mayor "
    "ordered the evacuation of four streets near the old bridge."
)
BATCH = [
    json.dumps({"id": "flood-1", "source": "a.example", "body": BODY}).encode(),
    json.dumps(
        {"id": "flood-2", "source": "b.example", "body": "TOWN (Agency) - " + BODY}
    ).encode(),
    json.dumps(
        {"id": "budget-1", "source": "a.example", "body": "Parliament passed the budget."}
    ).encode(),
    b'{"id": "broken", "source": "x", "body": "unterminated',
    json.dumps({"id": "no-body", "source": "x"}).encode(),
]


class TP(NamedTuple):
    topic: str
    partition: int


def samples() -> dict[str, float]:
    """`name{label="value",...}` -> value, for every sample of the exposition."""
    text, content_type = exposition()
    assert content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(text.decode()):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            found[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return found


def changes(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """The samples that moved (leaving out the time a labelled series was created)."""
    return {
        name: after[name] - before.get(name, 0.0)
        for name in after
        if name.startswith("wirewatch_")
        and "_created" not in name
        and after[name] != before.get(name, 0.0)
    }


@pytest.fixture
def pipeline() -> Iterator[InProcessPipeline]:
    store = Store("sqlite://")
    store.create_schema()
    yield InProcessPipeline(Settings(model="hashing"), store, HashingEncoder())
    store.close()


def run(pipeline: InProcessPipeline) -> BatchResult:
    return pipeline.run_batch(BATCH, NOW)


def test_every_metric_is_exposed_under_its_name() -> None:
    names = {family.name for family in text_string_to_metric_families(exposition()[0].decode())}
    assert {
        "wirewatch_articles_in",
        "wirewatch_duplicates",
        "wirewatch_dlq",
        "wirewatch_articles_stored",
        "wirewatch_events_opened",
        "wirewatch_sources_joined",
        "wirewatch_embedding_batch_seconds",
        "wirewatch_embedded_articles",
        "wirewatch_end_to_end_latency_seconds",
        "wirewatch_consumer_lag",
        "wirewatch_webhook_alerts",
        "wirewatch_webhook_posts",
    } <= names


def test_observe_dedup_counts_messages_copies_and_dead_letters(
    pipeline: InProcessPipeline,
) -> None:
    result = run(pipeline)
    assert len(result.dedup.forward) == 3 and len(result.dedup.dead) == 2
    before = samples()
    observe_dedup(result.dedup)
    assert changes(before, samples()) == {
        "wirewatch_articles_in_total": 5,
        "wirewatch_duplicates_total": 1,
        'wirewatch_dlq_total{reason="not_json"}': 1,
        'wirewatch_dlq_total{reason="invalid_fields"}': 1,
    }
    # The same batch again: every article is a redelivery, and no new copy.
    again = pipeline.run_batch(BATCH, NOW)
    before = samples()
    observe_dedup(again.dedup)
    delta = changes(before, samples())
    assert delta['wirewatch_redeliveries_total{stage="dedup"}'] == 3
    assert "wirewatch_duplicates_total" not in delta
    assert delta["wirewatch_articles_in_total"] == 5


def test_observe_events_counts_stored_articles_events_and_latency(
    pipeline: InProcessPipeline,
) -> None:
    result = run(pipeline)
    kinds = sorted(c.update.kind for c in result.events.changes)
    assert kinds == ["created", "created", "source_joined"]
    before = samples()
    observe_events(result.events, now=NOW + timedelta(seconds=2))
    delta = changes(before, samples())
    assert delta["wirewatch_articles_stored_total"] == 3
    assert delta["wirewatch_events_opened_total"] == 2
    assert delta["wirewatch_sources_joined_total"] == 1
    assert delta["wirewatch_end_to_end_latency_seconds_count"] == 3
    # Produced at NOW, published two seconds later: two seconds each.
    assert delta["wirewatch_end_to_end_latency_seconds_sum"] == pytest.approx(6.0)
    assert delta['wirewatch_end_to_end_latency_seconds_bucket{le="2.5"}'] == 3
    assert 'wirewatch_end_to_end_latency_seconds_bucket{le="1.0"}' not in delta


def test_observe_lag_sets_one_gauge_per_assigned_partition() -> None:
    a0, a1, b0 = TP("articles", 0), TP("articles", 1), TP("embedded", 0)
    observe_lag([a0, a1, b0], {a0: 120, a1: 7, b0: 5}, {a0: 100, a1: 9})
    lag = {k: v for k, v in samples().items() if k.startswith("wirewatch_consumer_lag{")}
    assert lag == {
        'wirewatch_consumer_lag{partition="0",topic="articles"}': 20,
        'wirewatch_consumer_lag{partition="1",topic="articles"}': 0,  # never below zero
    }  # nothing committed on b0 yet: no figure
    observe_lag([b0], {b0: 5}, {b0: 1})  # a rebalance: the old partitions go
    lag = {k: v for k, v in samples().items() if k.startswith("wirewatch_consumer_lag{")}
    assert lag == {'wirewatch_consumer_lag{partition="0",topic="embedded"}': 4}


def test_timed_encoder_times_each_batch_and_counts_articles() -> None:
    inner = HashingEncoder()
    timed = TimedEncoder(inner)
    assert (timed.name, timed.dimension) == (inner.name, inner.dimension)
    texts = ["The river burst its banks.", "Parliament passed the budget.", "A third one."]
    before = samples()
    vectors = timed.encode(texts)
    delta = changes(before, samples())
    assert np.array_equal(vectors, inner.encode(texts))
    assert delta["wirewatch_embedded_articles_total"] == 3
    assert delta["wirewatch_embedding_batch_seconds_count"] == 1
    assert delta["wirewatch_embedding_batch_seconds_sum"] > 0
    # An empty batch is no batch.
    before = samples()
    assert timed.encode([]).shape == (0, inner.dimension)
    assert changes(before, samples()) == {}
