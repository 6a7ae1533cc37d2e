"""The command line as a user runs it: real processes, real broker, real store."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.embedding import HashingEncoder
from pipeline.feeds import bundled_feed
from pipeline.kafka.broker import free_port, port_open
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store
from tests.support.paths import ROOT
from tests.support.workers import WorkerProcess, unique_settings, wait_for

CLI = [sys.executable, "-m", "pipeline.cli"]


def _fill_store(url: str) -> None:
    """The bundled feed through the real stage objects, as the worker would store it."""
    settings = Settings(database_url=url, model="hashing")
    store = Store(url)
    store.create_schema()
    pipeline = InProcessPipeline(settings, store, HashingEncoder())
    pipeline.run_batch(bundled_feed().read_bytes().splitlines())


def test_events_json_lists_clusters_with_their_articles(sqlite_url: str) -> None:
    _fill_store(sqlite_url)
    out = subprocess.run(
        [*CLI, "events", "--json", "--database-url", sqlite_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    clusters = json.loads(out.stdout)
    assert clusters and all(
        {"event_id", "headline", "sources", "articles"} <= set(c) for c in clusters
    )
    stored = {a["id"]: a for c in clusters for a in c["articles"]}
    assert len(stored) == len(bundled_feed().read_text().splitlines())
    assert all({"id", "source", "duplicate_of"} <= set(a) for a in stored.values())
    assert stored["wire-copy-ouest-1"]["duplicate_of"] == "b528e4333af7b596"
    table = subprocess.run(
        [*CLI, "events", "--database-url", sqlite_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "events." in table.stdout


def test_ingest_without_a_broker_says_what_to_do(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "source": "s", "body": "b"}\n')
    out = subprocess.run(
        [*CLI, "ingest", str(feed)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"WIREWATCH_BROKER_PORT": str(free_port()), "PATH": ""},
    )
    assert out.returncode == 1
    assert "no Kafka broker answers" in out.stderr and "wirewatch run" in out.stderr


@pytest.mark.broker
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_run_stops_cleanly_with_its_embedded_broker(
    signum: int, sqlite_url: str, start_worker: Callable[..., WorkerProcess]
) -> None:
    port = free_port()
    settings = Settings(
        database_url=sqlite_url,
        model="hashing",
        broker_port=port,
        web_port=free_port(),
        session_timeout_s=6,
        split="off",
    )
    worker = start_worker(settings, signum.name)
    wait_for(
        lambda: "[^Worker]: Ready" in worker.log(), timeout=90, message="the worker", worker=worker
    )
    assert port_open("127.0.0.1", port)
    started = time.monotonic()
    assert worker.stop(signum, timeout=20) == 0
    stopped_in = time.monotonic() - started
    assert not port_open("127.0.0.1", port), "the embedded broker outlived the worker"
    print(f"stopped in {stopped_in:.1f}s")


@pytest.mark.broker
def test_the_worker_leaves_nothing_in_the_working_directory(
    kafka_servers: str,
    sqlite_url: str,
    tmp_path: Path,
    start_worker: Callable[..., WorkerProcess],
) -> None:
    """faust's data directory goes under the state directory, not `<app id>-data` in
    whatever directory the worker was started from."""
    settings = unique_settings(kafka_servers, sqlite_url, model="hashing", state_dir=tmp_path)
    worker = start_worker(settings)
    wait_for(
        lambda: "[^Worker]: Ready" in worker.log(), timeout=90, message="the worker", worker=worker
    )
    assert worker.stop() == 0
    assert not Path(f"{settings.app_id}-data").exists()
    assert (tmp_path / "faust" / settings.app_id).is_dir()


@pytest.mark.broker
def test_broker_command_runs_in_the_foreground_and_stops() -> None:
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "broker", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: port_open("127.0.0.1", port), timeout=30, message="the broker")
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "listening on" in out and "broker stopped" in out
    assert not port_open("127.0.0.1", port)
