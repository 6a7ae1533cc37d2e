"""Issue 13, item 1: on the one-command default (`wirewatch run` with no bootstrap
servers), what `wirewatch ingest` had acknowledged is processed even when the worker is
killed: the embedded broker is a process of its own, which the next `run` finds again."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.feeds import SyntheticFeed
from pipeline.kafka.broker import port_open
from pipeline.kafka.detached import holds_dead_letters, unprocessed
from pipeline.kafka.produce import send_records
from pipeline.kafka.topics import ensure_topics
from pipeline.store.store import Store
from schemas.tables import articles, event_updates
from tests.support.cli import Default
from tests.support.workers import unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

COUNT = 600


@pytest.fixture
def default(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Default]:
    user = Default(tmp_path, request.node.name)
    yield user
    user.close()


def stored(store: Store) -> int:
    try:
        return store.count(articles)
    except Exception:  # no schema yet
        return 0


def test_a_killed_worker_loses_nothing_that_ingest_acknowledged(
    default: Default, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(SyntheticFeed(13).lines(COUNT)) + b"\n")
    store = Store(default.database_url)

    first = default.run("first")
    sent = default.command("ingest", "--quiet", str(feed))
    assert sent.returncode == 0, sent.stderr
    assert f"sent {COUNT} messages" in sent.stdout
    wait_for(lambda: stored(store) >= 100, 120, 0.02, "100 articles stored")
    first.kill()  # kill -9, mid-stream
    first.wait(10)
    at_kill = stored(store)
    assert at_kill < COUNT, "the worker finished before it was killed: nothing tested"

    second = default.run("second")
    wait_for(lambda: stored(store) >= COUNT, 180, message=f"{COUNT} articles stored")
    assert second.poll() is None
    assert stored(store) == COUNT
    assert store.count(event_updates) == COUNT  # one change per article: none twice
    print(f"killed at {at_kill} stored; {COUNT} stored after the restart")


def test_a_clean_stop_leaves_the_broker_while_articles_wait_and_the_last_one_stops_it(
    default: Default, tmp_path: Path
) -> None:
    count = 1500
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(SyntheticFeed(17).lines(count)) + b"\n")
    store = Store(default.database_url)

    first = default.run("first")
    assert default.command("ingest", "--quiet", str(feed)).returncode == 0
    wait_for(lambda: stored(store) >= 1, 120, 0.02, "the first articles stored")
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0
    assert stored(store) < count, "the worker finished before it was stopped: nothing tested"
    assert "keeps running" in default.log_path("first").read_text()
    assert port_open("127.0.0.1", default.broker_port)

    second = default.run("second")
    wait_for(
        lambda: (
            "using the embedded broker already running" in default.log_path("second").read_text()
        ),
        60,
        message="the second run to find the broker",
    )
    refused = default.command("broker", "--stop")
    assert refused.returncode == 1 and "still uses" in refused.stderr, refused.stderr
    wait_for(lambda: stored(store) >= count, 180, message=f"{count} articles stored")
    time.sleep(1)  # the last offsets committed
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0
    assert "stopped: nothing left on it" in default.log_path("second").read_text()
    assert not port_open("127.0.0.1", default.broker_port)
    assert default.command("broker", "--stop").stdout.startswith("no embedded broker")


def test_a_port_held_by_something_else_is_one_clear_error(default: Default) -> None:
    with socket.create_server(("127.0.0.1", default.broker_port)):
        out = default.command("run")
    assert out.returncode == 1
    assert "is in use by something that is not a Kafka broker" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_what_a_clean_stop_weighs_before_stopping_the_broker(
    kafka_servers: str, tmp_path: Path
) -> None:
    """An editor's correction no worker has applied yet is unprocessed, like an article; a
    dead letter is no work for a worker, but the broker keeps it for a person."""
    host, port = kafka_servers.split(",")[0].rsplit(":", 1)
    settings = unique_settings(
        kafka_servers, f"sqlite:///{tmp_path / 'w.db'}", broker_host=host, broker_port=int(port)
    )
    ensure_topics(settings)
    assert unprocessed(settings) == 0 and holds_dead_letters(settings) is False
    send_records(settings, settings.topic_corrections, [(b"ev-1", b'{"action": "pin"}')])
    assert unprocessed(settings) == 1
    send_records(settings, settings.topic_dlq, [(None, b'{"reason": "not_json"}')])
    assert holds_dead_letters(settings) is True
