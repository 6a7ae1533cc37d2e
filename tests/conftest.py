"""Shared fixtures: a real broker and a real PostgreSQL for every test that needs them.

With a Docker engine, Kafka (KRaft) and PostgreSQL run in testcontainers. Without one
(as on the development machines and in CI), the embedded Tansu broker is started and
the PostgreSQL at WIREWATCH_TEST_DATABASE_URL is used (default: the local `test`
database). Each test gets its own topics, consumer group and database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import pipeline.runtime.spawn
from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def docker_available() -> bool:
    if os.environ.get("WIREWATCH_TEST_DOCKER", "auto") == "0":
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def pytest_report_header() -> str:
    if docker_available():
        return "wirewatch backends: Kafka and PostgreSQL testcontainers (Docker engine found)"
    url = os.environ.get("WIREWATCH_TEST_DATABASE_URL", DEFAULT_PG)
    return f"wirewatch backends: embedded Tansu broker, PostgreSQL at {url} (no Docker engine)"


@pytest.fixture(scope="session")
def use_docker() -> bool:
    return docker_available()


@pytest.fixture(scope="session")
def kafka_servers(use_docker: bool) -> Iterator[str]:
    if use_docker:
        from testcontainers.community.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
        return
    with EmbeddedBroker(port=free_port(), log_path=OUTPUT / "broker.log") as broker:
        yield broker.bootstrap_servers


@pytest.fixture(scope="session")
def pg_server_url(use_docker: bool) -> Iterator[str]:
    if use_docker:
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as pg:
            yield pg.get_connection_url()
        return
    url = os.environ.get("WIREWATCH_TEST_DATABASE_URL", DEFAULT_PG)
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {url} ({exc}); set WIREWATCH_TEST_DATABASE_URL")
    yield url


@pytest.fixture(scope="session")
def make_pg_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """Creates fresh, empty databases on the PostgreSQL server; drops them at the end."""
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def create() -> str:
        name = f"wirewatch_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)

    yield create
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(make_pg_database: Callable[[], str]) -> str:
    return make_pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wirewatch.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


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


def spawn_worker(settings: Settings, log_path: Path, *extra_args: str) -> WorkerProcess:
    """`wirewatch run` as a real process with the given settings."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return WorkerProcess(
        pipeline.runtime.spawn.spawn_worker(settings, log_path, *extra_args), log_path
    )


@pytest.fixture
def start_worker(request: pytest.FixtureRequest) -> Iterator[Callable[..., WorkerProcess]]:
    """Start workers for this test; any still running at its end are killed."""
    started: list[WorkerProcess] = []

    def start(settings: Settings, name: str = "worker", *extra_args: str) -> WorkerProcess:
        log_path = OUTPUT / f"{request.node.name}-{name}.log".replace("/", "_")
        worker = spawn_worker(settings, log_path, *extra_args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.alive():
            worker.kill()


def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 120.0,
    interval: float = 0.25,
    message: str = "condition",
    worker: WorkerProcess | None = None,
) -> Any:
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
            raise AssertionError(f"timed out after {timeout}s waiting for {message}\n{log}")
        time.sleep(interval)


def consume_all(servers: str, topic: str, idle_s: float = 2.0) -> list[Any]:
    """Every message on the topic, from the start (values, JSON-decoded when possible)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=servers.split(","),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=int(idle_s * 1000),
        group_id=None,
    )
    values = []
    try:
        for message in consumer:
            try:
                values.append(json.loads(message.value))
            except ValueError:
                values.append(message.value)
    finally:
        consumer.close()
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
