"""`wirewatch broker` as an operator runs it, and the watch that notices a broker which
lost its topics (tests/integration/test_fault_recovery.py restarts one under a running worker)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from pipeline.kafka.broker import free_port, port_open
from pipeline.kafka.topics import ensure_topics
from pipeline.kafka.watch import TopicWatch
from pipeline.settings import Settings
from tests.support.faults import BrokerProcess
from tests.support.paths import OUTPUT, ROOT

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
