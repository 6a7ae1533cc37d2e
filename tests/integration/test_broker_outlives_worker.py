"""Issue 13, item 1: on the one-command default (`wirewatch run` with no bootstrap
servers), what `wirewatch ingest` had acknowledged is processed even when the worker is
killed: the embedded broker is a process of its own, which the next `run` finds again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.feeds import SyntheticFeed
from pipeline.store.store import Store
from schemas.tables import articles, event_updates
from tests.conftest import wait_for
from tests.integration.cli_helpers import Default

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
    wait_for(lambda: stored(store) >= 1, 120, 0.02, "the first articles stored")
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
