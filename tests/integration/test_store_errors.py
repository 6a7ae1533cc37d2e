"""Issue 13, items 5, 7 and 9, as a user meets them on the command line: a store URL
shown without its password, a usage error for a limit below 1, and a database URL that
can never work told at once in one line (a read-only command creates no store)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.cli import CLI, Default

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def default(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Default]:
    user = Default(tmp_path, request.node.name)
    yield user
    user.close()


def one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stdout + out.stderr, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_events_on_a_mistyped_sqlite_path_says_there_is_no_store(
    default: Default, tmp_path: Path
) -> None:
    missing = tmp_path / "wirewatc.db"
    line = one_error_line(default.command("events", "--database-url", f"sqlite:///{missing}"))
    assert f"no store at {missing}" in line and "wirewatch run" in line
    assert not missing.exists()


@pytest.mark.postgres
def test_events_on_an_empty_postgresql_database_says_there_is_no_store(
    default: Default, pg_url: str
) -> None:
    line = one_error_line(default.command("events", "--database-url", pg_url))
    assert "no store at" in line and "wirewatch run" in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://ww:s3cret@127.0.0.1/ww", "MySQLdb"),
        ("nosuchdb://127.0.0.1/ww", "nosuchdb"),
        ("sqlite:////nonexistent/dir/ww.db", "/nonexistent/dir"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line_at_once(
    default: Default, url: str, said: str
) -> None:
    for command in ("events", "run"):
        started = time.monotonic()
        line = one_error_line(default.command(command, "--database-url", url, timeout=60))
        assert said in line and "s3cret" not in line
        assert time.monotonic() - started < 30, f"{command} waited for a URL that cannot work"


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_a_limit_below_one_is_a_usage_error(default: Default, limit: str) -> None:
    out = default.command("events", "--limit", limit, "--database-url", default.database_url)
    assert out.returncode == 2 and "--limit" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.broker
@pytest.mark.postgres
def test_demo_shows_the_store_url_without_its_password(
    make_pg_database: Callable[[], str], tmp_path: Path
) -> None:
    url = make_url(make_pg_database()).set(password="s3cret-pw")
    env = Default(tmp_path, "demo-password").env()
    env.update(WIREWATCH_DATABASE_URL=url.render_as_string(hide_password=False))
    env.pop("WIREWATCH_BROKER_PORT")  # the demo's own broker, on a free port
    from pipeline.kafka.broker import free_port

    env["WIREWATCH_WEB_PORT"] = str(free_port())
    out = subprocess.run(
        [*CLI, "demo"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "s3cret-pw" not in out.stdout + out.stderr
    assert url.render_as_string(hide_password=True) in out.stdout.replace("\n", "")


def test_a_file_that_is_no_database_is_one_line_at_once(default: Default, tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("shopping list: milk, eggs\n" * 100)
    for command in ("events", "run"):
        line = one_error_line(default.command(command, "--database-url", f"sqlite:///{garbage}"))
        assert str(garbage) in line and "not a database" in line
