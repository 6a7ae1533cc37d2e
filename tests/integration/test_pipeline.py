"""The real pipeline, end to end: a worker process on a real broker with the bundled
model, once with SQLite and once with PostgreSQL.

One run per store ingests the bundled sample feed (the five seed articles, wire copies
of three of them, two other events), two bad messages, and then the whole feed a
second time; the tests below check what came out of that run.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pipeline.feeds import bundled_feed
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.tables import alerts, articles, event_sources, event_updates, events
from tests.support.paths import OUTPUT, SEED_ARTICLES
from tests.support.workers import (
    consume_all,
    feed_lines,
    produce,
    spawn_worker,
    unique_settings,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SEED_IDS = {json.loads(line)["id"] for line in feed_lines(SEED_ARTICLES)}
FEED = [json.loads(line) for line in feed_lines(bundled_feed())]
COPIES = {a["id"]: a["wire_copy_of"] for a in FEED if "wire_copy_of" in a}
NOT_JSON = b'{"id": "broken-1", "source": "x", "body": "unterminated'
NO_BODY = json.dumps({"id": "no-body-1", "source": "wire.example", "title": "Title only"}).encode()
TABLES = (articles, events, event_sources, event_updates, alerts)


@dataclass
class Run:
    settings: Settings
    store: Store
    counts_before_replay: dict[str, int]
    counts_after_replay: dict[str, int]
    clusters: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    dead: list[dict[str, Any]]
    log: str


def _counts(store: Store) -> dict[str, int]:
    return {table.name: store.count(table) for table in TABLES}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def run(
    request: pytest.FixtureRequest, kafka_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'wirewatch.db'}"
    else:
        make_pg: Callable[[], str] = request.getfixturevalue("make_pg_database")
        url = make_pg()
    # A short stall time: a worker that loads its model, works and idles must never be
    # taken for one that stopped reading (test_a_working_worker_is_never_taken_for_stalled).
    settings = unique_settings(kafka_servers, url, stall_s=3.0)
    store = Store(url)
    worker = spawn_worker(settings, OUTPUT / f"pipeline-{request.param}.log")
    try:
        lines = feed_lines(bundled_feed())
        produce(settings, [*lines, NOT_JSON, NO_BODY])
        wait_for(
            lambda: store.count(articles) == len(lines) if _has_schema(store) else False,
            timeout=240,
            message="the feed to be stored",
            worker=worker,
        )
        before = _counts(store)
        updates_before = len(consume_all(kafka_servers, settings.topic_updates))
        # Double delivery: the whole feed again. Nothing may change.
        produce(settings, lines)
        wait_for(
            lambda: (
                len(consume_all(kafka_servers, f"{settings.app_id}.embedded", 1.0))
                >= 2 * len(lines)
            ),
            timeout=120,
            message="the replay to pass",
            worker=worker,
        )
        wait_for(
            lambda: (
                store.pending_outbox().update_seqs == []
                and len(consume_all(kafka_servers, settings.topic_updates)) >= updates_before
            ),
            message="the outbox to drain",
            worker=worker,
        )
        yield Run(
            settings=settings,
            store=store,
            counts_before_replay=before,
            counts_after_replay=_counts(store),
            clusters=store.event_clusters(),
            updates=consume_all(kafka_servers, settings.topic_updates),
            alerts=consume_all(kafka_servers, settings.topic_alerts),
            dead=consume_all(kafka_servers, settings.topic_dlq),
            log=worker.log(),
        )
    finally:
        worker.stop()
        store.close()


def _has_schema(store: Store) -> bool:
    try:
        store.count(articles)
        return True
    except Exception:
        return False


def _event_of(run: Run, article_id: str) -> dict[str, Any]:
    for cluster in run.clusters:
        if any(a["id"] == article_id for a in cluster["articles"]):
            return cluster
    raise AssertionError(f"{article_id} is in no event")


def test_seed_articles_form_one_event_without_duplicates(run: Run) -> None:
    event = _event_of(run, next(iter(SEED_IDS)))
    originals = {a["id"] for a in event["articles"] if a["duplicate_of"] is None}
    assert originals == SEED_IDS
    other_events = [c for c in run.clusters if c["event_id"] != event["event_id"]]
    assert not any(a["id"] in SEED_IDS for c in other_events for a in c["articles"])


def test_wire_copies_link_to_their_original(run: Run) -> None:
    stored = {a["id"]: a for c in run.clusters for a in c["articles"]}
    assert COPIES, "the sample feed has wire copies"
    for copy_id, original_id in COPIES.items():
        assert stored[copy_id]["duplicate_of"] == original_id, copy_id
        assert _event_of(run, copy_id)["event_id"] == _event_of(run, original_id)["event_id"]


def test_truncated_copy_is_caught(run: Run) -> None:
    # Two paragraphs of a six-paragraph agency story: Jaccard alone would miss it.
    stored = {a["id"]: a for c in run.clusters for a in c["articles"]}
    assert stored["wire-copy-regions-2"]["duplicate_of"] == "b528e4333af7b596"


def test_distractor_events_stay_apart(run: Run) -> None:
    heat = _event_of(run, "canicule-meteo-1")
    tour = _event_of(run, "tour-depart-1")
    seed = _event_of(run, next(iter(SEED_IDS)))
    assert len({heat["event_id"], tour["event_id"], seed["event_id"]}) == 3
    assert {a["id"] for a in tour["articles"]} == {"tour-depart-1", "tour-depart-2"}
    assert {a["id"] for a in heat["articles"]} == {
        "canicule-meteo-1",
        "canicule-societe-2",
        "canicule-copy-3",
    }
    assert len(run.clusters) == 3


def test_bad_messages_go_to_the_dlq_with_reason_and_original(run: Run) -> None:
    by_reason = {d["reason"]: d for d in run.dead}
    assert set(by_reason) == {"not_json", "invalid_fields"}
    assert base64.b64decode(by_reason["not_json"]["original"]) == NOT_JSON
    assert base64.b64decode(by_reason["invalid_fields"]["original"]) == NO_BODY
    assert "body" in by_reason["invalid_fields"]["detail"]
    assert by_reason["not_json"]["topic"] == run.settings.topic_articles


def test_double_delivery_changes_nothing(run: Run) -> None:
    assert run.counts_after_replay == run.counts_before_replay
    assert run.counts_before_replay["articles"] == len(FEED)
    update_ids = [u["update_id"] for u in run.updates]
    assert len(update_ids) == len(set(update_ids)) == len(FEED)
    alert_ids = [a["alert_id"] for a in run.alerts]
    assert len(alert_ids) == len(set(alert_ids))


def test_event_updates_and_alerts_describe_the_changes(run: Run) -> None:
    seed_event = _event_of(run, next(iter(SEED_IDS)))["event_id"]
    mine = [u for u in run.updates if u["event_id"] == seed_event]
    assert [u["kind"] for u in mine].count("created") == 1
    last = max(mine, key=lambda u: u["article_count"])
    assert last["article_count"] == 5 + sum(1 for o in COPIES.values() if o in SEED_IDS)
    assert last["source_count"] == len(last["sources"])
    kinds = {a["kind"] for a in run.alerts if a["event_id"] == seed_event}
    assert kinds == {"new_event", "source_joined"}
    new_event_alerts = [a for a in run.alerts if a["kind"] == "new_event"]
    assert len(new_event_alerts) == len(run.clusters)
    # One alert per source that joined after the first, per event.
    joined = sum(c["source_count"] - 1 for c in run.clusters)
    assert len([a for a in run.alerts if a["kind"] == "source_joined"]) == joined


def test_a_working_worker_is_never_taken_for_stalled(run: Run) -> None:
    assert "stopped reading" not in run.log
    assert "stages of this worker" in run.log  # the log is this worker's, and complete
    assert run.log.count("stages of this worker") == 1  # started once: no restart
