"""Which backends the integration tests get: Kafka and PostgreSQL testcontainers when a
Docker engine answers, else the embedded Tansu broker and the PostgreSQL at
WIREWATCH_TEST_DATABASE_URL (default: the local `test` database)."""

from __future__ import annotations

import os

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


def pg_test_url() -> str:
    return os.environ.get("WIREWATCH_TEST_DATABASE_URL", DEFAULT_PG)
