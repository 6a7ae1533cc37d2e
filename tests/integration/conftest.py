"""Fixtures of the integration tests: a real broker and a real PostgreSQL for every test
that needs them (see tests/conftest.py for which), and workers started as processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.settings import Settings
from tests.support.backends import docker_available, pg_test_url
from tests.support.paths import OUTPUT
from tests.support.workers import WorkerProcess, spawn_worker


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
    url = pg_test_url()
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


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


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
