"""Fixtures for every test. The unit tests (tests/unit/) need nothing but a scratch
SQLite file at most; the broker, PostgreSQL and worker fixtures of the integration tests
are in tests/integration/conftest.py, the helpers behind them in tests/support/.

With a Docker engine, Kafka (KRaft) and PostgreSQL run in testcontainers. Without one
(as on the development machines and in CI), the embedded Tansu broker is started and
the PostgreSQL at WIREWATCH_TEST_DATABASE_URL is used (default: the local `test`
database). Each integration test gets its own topics, consumer group and database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.backends import docker_available, pg_test_url


def pytest_report_header() -> str:
    if docker_available():
        return "wirewatch backends: Kafka and PostgreSQL testcontainers (Docker engine found)"
    url = pg_test_url()
    return f"wirewatch backends: embedded Tansu broker, PostgreSQL at {url} (no Docker engine)"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wirewatch.db'}"
