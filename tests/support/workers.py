"""Worker and broker helpers of the integration tests: per-test settings on the shared
broker, `wirewatch run` as a real process, waiting on it, and reading and writing topics."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pipeline.runtime.spawn
from pipeline.kafka.broker import free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings


def unique_settings(kafka_servers: str, database_url: str, **overrides: Any) -> Settings:
    """Settings with this test's own app id and topics, on the shared broker."""
    tag = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "bootstrap_servers": kafka_servers,
        "database_url": database_url,
        "app_id": f"ww-{tag}",
        "topic_articles": f"articles-{tag}",
        "topic_dlq": f"articles-{tag}.dlq",
        "topic_updates": f"event-updates-{tag}",
        "topic_alerts": f"alerts-{tag}",
        "web_port": free_port(),
        "session_timeout_s": 6.0,
        "batch_wait_s": 0.2,
        "split": "off",  # one process per worker: tests/integration/test_split_run.py splits
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.alive():
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(
                f"worker did not stop within {timeout}s; log {self.log_path}"
            ) from None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


def held_by(worker: WorkerProcess) -> tuple[str, ...] | None:
    """The single-writer stages this worker held at its last rebalance (None: none yet)."""
    found = re.findall(r"single writers here: ([a-z, ]+)", worker.log())
    if not found:
        return None
    last = found[-1].strip()
    return () if last == "none" else tuple(s.strip() for s in last.split(","))


def spawn_worker(settings: Settings, log_path: Path, *extra_args: str) -> WorkerProcess:
    """`wirewatch run` as a real process with the given settings."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return WorkerProcess(
        pipeline.runtime.spawn.spawn_worker(settings, log_path, *extra_args), log_path
    )


def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 120.0,
    interval: float = 0.25,
    message: str = "condition",
    worker: WorkerProcess | None = None,
    state: Callable[[], str] | None = None,
) -> Any:
    """Until `predicate` holds; on failure the message tells `state()` (where things stood)
    and the worker's last log lines."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if worker is not None and not worker.alive():
            raise AssertionError(
                f"worker exited while waiting for {message}:\n{worker.log()[-3000:]}"
            )
        if time.monotonic() > deadline:
            log = worker.log()[-3000:] if worker else ""
            where = f" ({state()})" if state else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {message}{where}\n{log}")
        time.sleep(interval)


def consume_records(servers: str, topic: str, idle_s: float = 2.0) -> list[Any]:
    """Every record on the topic, from the start, as kafka-python gives them (key, value,
    offset...): read until none came for `idle_s`."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=servers.split(","),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(idle_s * 1000),
        group_id=None,
    )
    try:
        return list(consumer)
    finally:
        consumer.close()


def consume_all(servers: str, topic: str, idle_s: float = 2.0) -> list[Any]:
    """Every message on the topic, from the start (values, JSON-decoded when possible)."""
    values = []
    for message in consume_records(servers, topic, idle_s):
        try:
            values.append(json.loads(message.value))
        except ValueError:
            values.append(message.value)
    return values


def produce(settings: Settings, values: list[bytes], topic: str | None = None) -> None:
    """Send raw messages to the input topic (created first, as `wirewatch ingest` does)."""
    from kafka import KafkaProducer

    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_servers.split(","), acks="all")
    for value in values:
        producer.send(topic or settings.topic_articles, value=value)
    producer.flush()
    producer.close()


def feed_lines(path: Path) -> list[bytes]:
    return [line.encode() for line in path.read_text(encoding="utf-8").splitlines() if line]
