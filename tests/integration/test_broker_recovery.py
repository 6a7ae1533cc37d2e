"""`wirewatch broker` as an operator runs it, the watch that notices a broker which lost
its topics (tests/integration/test_fault_recovery.py restarts one under a running worker),
and which topics of the wrong partition count the worker then replaces."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from kafka import KafkaProducer
from kafka.admin import NewTopic

from pipeline.errors import ConfigurationError
from pipeline.kafka.broker import free_port, port_open
from pipeline.kafka.topics import _partition_counts as partition_counts
from pipeline.kafka.topics import admin_client, ensure_topics, topic_specs
from pipeline.kafka.watch import TopicWatch
from pipeline.settings import Settings
from tests.support.faults import BrokerProcess, create_topic
from tests.support.paths import OUTPUT, ROOT
from tests.support.workers import unique_settings, wait_for

pytestmark = pytest.mark.broker


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_broker_command_runs_in_the_foreground_and_stops_cleanly(sig: int) -> None:
    broker = BrokerProcess(free_port(), OUTPUT / f"broker-cli-{sig}.log").start()
    assert broker.alive() and port_open("127.0.0.1", broker.port)
    assert broker.stop(sig, timeout=10) == 0
    assert not port_open("127.0.0.1", broker.port)  # the Tansu process is gone too
    log = broker.log_path.read_text()
    assert "memory only" in log and log.rstrip().endswith("broker stopped")


def test_broker_command_on_a_busy_port_says_so() -> None:
    broker = BrokerProcess(free_port(), OUTPUT / "broker-cli-busy.log").start()
    try:
        second = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "broker", "--port", str(broker.port)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=30,
        )
        assert second.returncode != 0
        assert "already listens" in second.stderr
    finally:
        broker.stop()


def test_topic_watch_notices_a_restarted_broker() -> None:
    broker = BrokerProcess(free_port(), OUTPUT / "broker-watch.log").start()
    settings = Settings(bootstrap_servers=broker.servers, app_id="watched")
    lost_calls: list[list[str]] = []
    watch = TopicWatch(settings, on_lost=lost_calls.append)
    try:
        ensure_topics(settings)
        assert watch.lost() == []  # the first look is the reference
        assert watch.lost() == []
        broker.stop()
        assert watch.lost() == []  # no answer is no verdict
        broker.start()
        names = [s for s in watch.names]
        assert watch.lost() == names  # all gone
        ensure_topics(settings)
        assert watch.lost() == names  # back, but under new topic ids: still another life
    finally:
        watch.close()
        if broker.alive():
            broker.stop()


def test_topics_the_broker_auto_created_are_replaced_where_nothing_is_lost(
    kafka_servers: str, sqlite_url: str
) -> None:
    """Clients that ask a broker for a topic before wirewatch created it get one with the
    broker's partition count (4 on the embedded one): after a memory-only broker restarts,
    the worker's own clients do that until it restarts itself."""
    settings = unique_settings(kafka_servers, sqlite_url)
    specs = {spec.role: spec for spec in topic_specs(settings)}
    wrong = 4
    admin = admin_client(settings)
    try:
        admin.create_topics(
            [NewTopic(specs[role].name, wrong, 1) for role in ("articles", "deduped", "embedded")]
        )
        producer = KafkaProducer(bootstrap_servers=kafka_servers)
        for role in ("articles", "embedded"):
            producer.send(specs[role].name, b"written before the restart").get(timeout=10)
        producer.close()

        def counts() -> dict[str, int]:
            return partition_counts(admin, [spec.name for spec in specs.values()])

        # Wirewatch's own topic, empty: replaced. Its own with messages: an error, since
        # they may be the stream's. The feed's topic is the operator's: kept.
        with pytest.raises(ConfigurationError, match="4 partitions, wirewatch expects 1"):
            ensure_topics(settings)
        assert counts()[specs["deduped"].name] == settings.work_partitions
        assert counts()[specs["embedded"].name] == wrong
        assert counts()[specs["articles"].name] == wrong

        # After the broker lost its topics, what is in its own was written by processes of
        # the broker's previous life; the feed's is replaced only if empty.
        ensure_topics(settings, after_loss=True)
        assert counts()[specs["embedded"].name] == 1
        assert counts()[specs["articles"].name] == wrong
        admin.delete_topics([specs["articles"].name])
        wait_for(  # the broker deletes in the background
            lambda: create_topic(admin, NewTopic(specs["articles"].name, wrong, 1)),
            timeout=30,
            message="the feed's topic created again",
        )
        assert ensure_topics(settings, after_loss=True) == [specs["articles"].name]
        assert counts() == {spec.name: spec.partitions for spec in specs.values()}
    finally:
        admin.delete_topics([spec.name for spec in specs.values()])
        admin.close()
