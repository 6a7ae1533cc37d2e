"""Workers split by stage (`WIREWATCH_STAGES`): one runs dedup and the embedding, another
the event stage, on the real broker and store. The first works on its own (the events
wait on their topic), the second catches up when it starts (without loading a model it
does not need), and the result is the one a single worker gives: every article stored,
copies linked, the seeds one event."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from pipeline.feeds import bundled_feed
from pipeline.kafka.broker import free_port
from pipeline.store.store import Store
from tests.support.paths import SEED_ARTICLES
from tests.support.workers import (
    WorkerProcess,
    consume_all,
    feed_lines,
    held_by,
    produce,
    unique_settings,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_a_worker_per_stage_group_gives_the_pipeline_s_result(
    kafka_servers: str, db_url: str, start_worker: Callable[..., WorkerProcess]
) -> None:
    settings = unique_settings(kafka_servers, db_url)
    lines = feed_lines(bundled_feed())
    feed = [json.loads(line) for line in lines]
    front = start_worker(settings.model_copy(update={"stages": "dedup,embed"}), "front")
    produce(settings, lines)
    embedded = f"{settings.app_id}.embedded"
    wait_for(
        lambda: len(consume_all(kafka_servers, embedded, 1.0)) >= len(lines),
        timeout=240,
        message="the front worker to dedup and embed the feed",
        worker=front,
    )
    store = Store(db_url)
    try:
        assert store.count_articles() == 0  # no event stage yet: nothing placed
        back = start_worker(
            settings.model_copy(update={"stages": "events", "web_port": free_port()}),
            "back",
        )
        wait_for(
            lambda: store.count_articles() == len(lines),
            timeout=240,
            message="the event worker to catch up",
            worker=back,
        )
        assert "stages of this worker: dedup, embed" in front.log()
        assert "stages of this worker: events" in back.log()
        assert held_by(front) == ("dedup",)
        assert held_by(back) == ("events", "corrections")
        # Every copy's original was known: the events worker never needed its model.
        assert "loading the model" in front.log() and "loading the model" not in back.log()

        clusters = store.event_clusters()
        event_of = {a["id"]: c["event_id"] for c in clusters for a in c["articles"]}
        copy_of = {a["id"]: a["duplicate_of"] for c in clusters for a in c["articles"]}
        for article in feed:
            if "wire_copy_of" in article:
                assert copy_of[article["id"]] == article["wire_copy_of"]
                assert event_of[article["id"]] == event_of[article["wire_copy_of"]]
        seeds = {json.loads(line)["id"] for line in feed_lines(SEED_ARTICLES)}
        assert len({event_of[s] for s in seeds}) == 1
        updates = consume_all(kafka_servers, settings.topic_updates)
        assert {u["article"]["id"] for u in updates} == {a["id"] for a in feed}
    finally:
        store.close()
