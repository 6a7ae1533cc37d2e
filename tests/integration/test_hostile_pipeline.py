"""Hostile input and failing writes through the real pipeline (a `wirewatch run` process,
the real broker, the real database).

- Generated hostile messages (the strategies of tests/support/hostile.py) mixed into a stream
  of good articles: each message is either stored once or dead-lettered with a reason,
  and the stream goes on.
- A write that fails for reasons of its own (a database trigger refuses one row) costs
  that one article, dead-lettered with reason `processing_error`; the rest of its batch
  is stored and the in-memory event state is rebuilt without it.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from pipeline.dedup.validate import parse_article
from pipeline.errors import InvalidArticle
from pipeline.feeds.synthetic import SyntheticFeed
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.messages import Embedded
from schemas.tables import articles, event_updates, events
from tests.support.faults import stored
from tests.support.hostile import NOW, hostile_messages
from tests.support.paths import OUTPUT
from tests.support.receiver import receiving
from tests.support.workers import (
    WorkerProcess,
    consume_all,
    produce,
    spawn_worker,
    unique_settings,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]

REASONS = {
    "message_too_large",
    "not_utf8",
    "not_json",
    "too_complex",
    "not_an_object",
    "invalid_fields",
    "invalid_unicode",
    "empty_body",
    "body_too_large",
    "published_in_future",
    "published_too_early",
    "id_conflict",
    "processing_error",
}


@dataclass
class Pipeline:
    settings: Settings
    store: Store
    worker: WorkerProcess
    servers: str


@pytest.fixture(scope="module")
def pipeline(kafka_servers: str, make_pg_database: Callable[[], str]) -> Iterator[Pipeline]:
    url = make_pg_database()
    settings = unique_settings(kafka_servers, url, model="hashing")
    store = Store(url)
    worker = spawn_worker(settings, OUTPUT / "hostile-pipeline.log")
    yield Pipeline(settings, store, worker, kafka_servers)
    worker.stop()
    store.close()


EXAMPLES = itertools.count()


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.generate],
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(st.lists(hostile_messages(), min_size=40, max_size=40))
def test_generated_hostile_stream_through_the_real_pipeline(
    pipeline: Pipeline, hostile: list[bytes]
) -> None:
    example = next(EXAMPLES)
    good = list(SyntheticFeed(100 + example).lines(40))
    # Good and hostile messages interleaved, then a sentinel that must come out last.
    stream = [m for pair in itertools.zip_longest(hostile, good) for m in pair if m is not None]
    sentinel = json.dumps(
        {
            "id": f"sentinel-{example}",
            "source": "end.example",
            "body": f"The last message of example {example}.",
        }
    ).encode()
    produce(pipeline.settings, [*stream, sentinel])
    wait_for(
        lambda: sentinel_stored(pipeline.store, example),
        timeout=120,
        message="the sentinel",
        worker=pipeline.worker,
    )

    dead = consume_all(pipeline.servers, pipeline.settings.topic_dlq, idle_s=1.0)
    dead_hashes = {d["original_sha256"] for d in dead}
    assert all(d["reason"] in REASONS and d["detail"] for d in dead)
    with pipeline.store.engine.connect() as conn:
        stored_ids = set(conn.execute(select(articles.c.id)).scalars())
        updates = conn.execute(select(func.count()).select_from(event_updates)).scalar()
    # Nothing lost: every message was stored, or dead-lettered with a reason.
    for raw in stream:
        if hashlib.sha256(raw).hexdigest() in dead_hashes:
            continue
        try:
            article = parse_article(raw, NOW)
        except InvalidArticle as exc:
            raise AssertionError(f"{raw[:200]!r} ({exc.reason}) neither stored nor dead") from None
        assert article.id in stored_ids, raw[:200]
    # Nothing doubled: one event update per stored article.
    assert updates == len(stored_ids)
    assert pipeline.worker.alive()


def sentinel_stored(store: Store, example: int) -> bool:
    try:
        with store.engine.connect() as conn:
            query = select(articles.c.id).where(articles.c.id == f"sentinel-{example}")
            return conn.execute(query).first() is not None
    except Exception:  # the schema is not there yet
        return False


POISON_SQLITE = """
CREATE TRIGGER poison BEFORE INSERT ON articles WHEN NEW.source = 'poison.example'
BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
"""
POISON_POSTGRES = [
    """CREATE FUNCTION poison() RETURNS trigger AS $$
       BEGIN
         IF NEW.source = 'poison.example' THEN RAISE EXCEPTION 'poisoned row'; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER poison BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION poison()",
]


def test_a_write_that_fails_on_its_own_is_dead_lettered_and_the_rest_goes_on(
    kafka_servers: str, db_url: str
) -> None:
    store = Store(db_url)
    store.create_schema()
    with store.engine.begin() as conn:
        for statement in POISON_POSTGRES if db_url.startswith("postgresql") else [POISON_SQLITE]:
            conn.execute(text(statement))
    settings = unique_settings(kafka_servers, db_url, model="hashing")
    feed = [json.loads(line) for line in SyntheticFeed(77).lines(300)]
    poisoned = []
    for position in (40, 41, 150, 260):  # two in one batch, two alone
        article = dict(feed[position], source="poison.example")
        poisoned.append(article["id"])
        feed[position] = article
    worker = spawn_worker(settings, OUTPUT / f"poison-{store.engine.dialect.name}.log")
    try:
        produce(settings, [json.dumps(a).encode() for a in feed])
        wait_for(
            lambda: stored(store) == len(feed) - len(poisoned),
            timeout=180,
            message="every other article",
            worker=worker,
        )
        dead = dead_letters(kafka_servers, settings, len(poisoned), worker)
        assert worker.alive()
    finally:
        worker.stop()
    assert {d["reason"] for d in dead} == {"processing_error"}
    assert all("poisoned row" in d["detail"] for d in dead)
    assert {d["topic"] for d in dead} == {settings.topic_embedded}
    originals = [Embedded.model_validate_json(base64.b64decode(d["original"])) for d in dead]
    assert sorted(o.article.id for o in originals) == sorted(poisoned)
    with store.engine.connect() as conn:
        ids = set(conn.execute(select(articles.c.id)).scalars())
        counted = conn.execute(select(func.sum(events.c.article_count))).scalar()
        canonical = set(conn.execute(select(events.c.canonical_article_id)).scalars())
        update_articles = list(conn.execute(select(event_updates.c.article_id)).scalars())
    assert ids == {a["id"] for a in feed} - set(poisoned)
    # The event state was rebuilt without the failed articles: counts add up, and no
    # event, update or alert mentions them.
    assert counted == len(ids)
    assert not canonical & set(poisoned)
    assert sorted(update_articles) == sorted(ids)
    store.close()


POISON_ALERT_SQLITE = """
CREATE TRIGGER poison_alert BEFORE INSERT ON webhook_deliveries
WHEN NEW.payload LIKE '%poison.example%'
BEGIN SELECT RAISE(ABORT, 'poisoned alert'); END
"""
POISON_ALERT_POSTGRES = [
    """CREATE FUNCTION poison_alert() RETURNS trigger AS $$
       BEGIN
         IF NEW.payload LIKE '%poison.example%' THEN RAISE EXCEPTION 'poisoned alert'; END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER poison_alert BEFORE INSERT ON webhook_deliveries "
    "FOR EACH ROW EXECUTE FUNCTION poison_alert()",
]


def test_an_alert_that_cannot_be_queued_for_the_webhook_is_dead_lettered(
    kafka_servers: str, db_url: str
) -> None:
    """The webhook agent isolates failures like the pipeline's agents: the alert whose
    delivery row the store refuses goes to the DLQ, every other alert is POSTed."""
    store = Store(db_url)
    store.create_schema()
    with store.engine.begin() as conn:
        postgres = db_url.startswith("postgresql")
        for statement in POISON_ALERT_POSTGRES if postgres else [POISON_ALERT_SQLITE]:
            conn.execute(text(statement))
    feed = [json.loads(line) for line in SyntheticFeed(78).lines(60)]
    feed[30] = dict(feed[30], source="poison.example")
    with receiving() as receiver:
        settings = unique_settings(
            kafka_servers,
            db_url,
            model="hashing",
            webhook_url=receiver.url,
            webhook_triggers="new_event,source_joined",
            webhook_min_interval_s=0,
        )
        worker = spawn_worker(settings, OUTPUT / f"poison-alert-{store.engine.dialect.name}.log")
        try:
            produce(settings, [json.dumps(a).encode() for a in feed])
            wait_for(
                lambda: stored(store) == len(feed), timeout=180, message="the feed", worker=worker
            )
            wait_for(lambda: not store.pending_outbox(), message="the outbox", worker=worker)
            alerts = consume_all(kafka_servers, settings.topic_alerts)
            # The poisoned source's own alert, and later ones listing it among the sources.
            poisoned = {a["alert_id"] for a in alerts if "poison.example" in json.dumps(a)}
            expected = {a["alert_id"] for a in alerts} - poisoned
            dead = dead_letters(kafka_servers, settings, len(poisoned), worker)
            wait_for(
                lambda: set(receiver.alert_ids()) == expected or None,
                timeout=60,
                message="every other alert POSTed",
                worker=worker,
            )
            assert worker.alive()
        finally:
            worker.stop()
    assert poisoned and len(receiver.alert_ids()) == len(expected)  # each once
    assert {d["reason"] for d in dead} == {"processing_error"}
    assert {d["topic"] for d in dead} == {settings.topic_alerts}
    assert all("poisoned alert" in d["detail"] for d in dead)
    dead_ids = {json.loads(base64.b64decode(d["original"]))["alert_id"] for d in dead}
    assert dead_ids == poisoned
    store.close()


def dead_letters(
    servers: str, settings: Settings, expected: int, worker: WorkerProcess
) -> list[dict]:
    """The dead-letter topic, once it holds `expected` records."""

    def enough() -> list[dict] | None:
        dead = consume_all(servers, settings.topic_dlq, idle_s=1.0)
        return dead if len(dead) >= expected else None

    return wait_for(enough, timeout=60, message="the dead letters", worker=worker)
