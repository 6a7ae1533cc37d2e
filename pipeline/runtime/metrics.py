"""The worker's Prometheus metrics, all named `wirewatch_*`, served at `/metrics` on its
web port. The agents call the `observe_*` functions with what a batch produced, one
line each; everything Prometheus-specific stays here.

Counters are per process: with N workers, Prometheus sums them over the scrape targets.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

if TYPE_CHECKING:
    from pipeline.dedup.stage import DedupPlan
    from pipeline.embedding.encoder import Encoder
    from pipeline.events.stage import EventPlan

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

ARTICLES_IN = Counter(
    "wirewatch_articles_in", "Messages read from the input topic", registry=REGISTRY
)
DUPLICATES = Counter(
    "wirewatch_duplicates", "New articles found to be near-duplicates", registry=REGISTRY
)
REDELIVERIES = Counter(
    "wirewatch_redeliveries",
    "Articles seen again (redelivery or replay) and left unchanged",
    ["stage"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "wirewatch_dlq", "Messages sent to the dead-letter topic", ["reason"], registry=REGISTRY
)
ARTICLES_STORED = Counter(
    "wirewatch_articles_stored", "Articles placed in an event and stored", registry=REGISTRY
)
EVENTS_OPENED = Counter("wirewatch_events_opened", "Events opened", registry=REGISTRY)
SOURCES_JOINED = Counter(
    "wirewatch_sources_joined", "Sources that joined an existing event", registry=REGISTRY
)
# Match quality, live (issue 12): what the event matcher decides and how close it was.
MATCH_SCORE = Histogram(
    "wirewatch_event_match_score",
    "Score of the best candidate event of each unique article (joined or not)",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
    registry=REGISTRY,
)
CLOSE_CALLS = Counter(
    "wirewatch_event_close_calls",
    "Articles whose best and second-best candidates, or best candidate and the threshold, "
    "were within the close-call margin",
    registry=REGISTRY,
)
LARGEST_EVENT = Gauge(
    "wirewatch_event_largest_live_articles",
    "Articles in the largest open event (a catch-all event grows here)",
    registry=REGISTRY,
)
EVENTS_REOPENED = Counter(
    "wirewatch_events_reopened", "Closed events reopened by a later article", registry=REGISTRY
)
PARTS_REGROUPED = Counter(
    "wirewatch_parts_regrouped",
    "Parts of events that moved to another event (or stood alone) as their evidence grew",
    registry=REGISTRY,
)
CORRECTIONS = Counter(
    "wirewatch_corrections",
    "Editors' corrections decided by the event stage",
    ["action", "outcome"],
    registry=REGISTRY,
)
EMBEDDING_BATCH_SECONDS = Histogram(
    "wirewatch_embedding_batch_seconds",
    "Time to embed one batch of articles",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
EMBEDDED_ARTICLES = Counter("wirewatch_embedded_articles", "Articles embedded", registry=REGISTRY)
END_TO_END_SECONDS = Histogram(
    "wirewatch_end_to_end_latency_seconds",
    "From the input message's produce time to its event update being published",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
    registry=REGISTRY,
)
PARTITION_UNREAD = Gauge(
    "wirewatch_partition_unread_seconds",
    "Seconds a held partition has had records waiting, none handed to its stream",
    ["topic", "partition"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "wirewatch_consumer_lag",
    "Messages between the committed offset and the end of the partition",
    ["topic", "partition"],
    registry=REGISTRY,
)
WEBHOOK_ALERTS = Counter(
    "wirewatch_webhook_alerts",
    "Alerts read by the webhook agent, by decision (queued, skipped, repeat)",
    ["decision"],
    registry=REGISTRY,
)
WEBHOOK_POSTS = Counter(
    "wirewatch_webhook_posts",
    "Webhook POSTs, by outcome (delivered, retry, failed)",
    ["outcome"],
    registry=REGISTRY,
)


def observe_dedup(plan: DedupPlan) -> None:
    """After a dedup batch: every message is either forwarded or dead-lettered."""
    ARTICLES_IN.inc(len(plan.forward) + len(plan.dead))
    DUPLICATES.inc(sum(1 for row in plan.new_rows if row.canonical_id != row.article_id))
    if plan.replays:
        REDELIVERIES.labels("dedup").inc(plan.replays)
    for dead in plan.dead:
        DEAD_LETTERS.labels(dead.reason).inc()


def observe_events(plan: EventPlan, now: datetime | None = None) -> None:
    """After an event batch is stored and its updates published."""
    now = now or datetime.now(UTC)
    ARTICLES_STORED.inc(len(plan.changes))
    if plan.replays:
        REDELIVERIES.labels("events").inc(plan.replays)
    for assignment in plan.assignments:
        if assignment.best is not None:
            MATCH_SCORE.observe(assignment.best)
        if assignment.close_call:
            CLOSE_CALLS.inc()
    LARGEST_EVENT.set(plan.largest_event)
    PARTS_REGROUPED.inc(plan.regrouped)
    for change in plan.changes:
        update = change.update
        if update.kind == "created":
            EVENTS_OPENED.inc()
        elif update.kind == "source_joined":
            SOURCES_JOINED.inc()
        elif update.kind == "reopened":
            EVENTS_REOPENED.inc()
        END_TO_END_SECONDS.observe(max(0.0, (now - update.produced_at).total_seconds()))


def observe_correction(action: str, plan: EventPlan) -> None:
    """After a correction is stored and its updates published."""
    if plan.replays:
        REDELIVERIES.labels("corrections").inc(plan.replays)
    for row in plan.writes.corrections:
        CORRECTIONS.labels(action, row.outcome).inc()
    if plan.rejected:
        DEAD_LETTERS.labels("correction_rejected").inc()


def observe_unread(unread: Mapping[tuple[str, int], float]) -> None:
    """From the stall watch: seconds each held partition has had records waiting, none
    handed to its stream (0 while it is read). A consumer that stopped fetching also
    stops learning the end of its partitions, so `wirewatch_consumer_lag` can read 0
    then; this one asks the broker."""
    PARTITION_UNREAD.clear()
    for (topic, partition), seconds in unread.items():
        PARTITION_UNREAD.labels(topic, str(partition)).set(seconds)


def observe_lag(
    assigned: Iterable[Any],
    end_offsets: Mapping[Any, int],
    committed: Mapping[Any, int],
) -> None:
    """Lag of each assigned partition (faust TPs: `.topic`, `.partition`), from the
    consumer's last fetched high-water mark and its last commit."""
    CONSUMER_LAG.clear()
    for tp in assigned:
        end = end_offsets.get(tp)
        done = committed.get(tp)
        if end is not None and done is not None:
            CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, end - done))


class TimedEncoder:
    """An encoder that records how long each batch takes."""

    def __init__(self, encoder: Encoder) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        vectors = self.inner.encode(texts)
        if texts:
            EMBEDDING_BATCH_SECONDS.observe(time.perf_counter() - start)
            EMBEDDED_ARTICLES.inc(len(texts))
        return vectors


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
