"""Crashes and database outages in the middle of a stream, on the real broker and the
real PostgreSQL: afterwards every article is stored once, every event update and alert
exists once, and the clustering is the one a run without faults produced.

The same seeded feed of a few thousand synthetic articles (pipeline/synthetic.py, hashing
encoder) goes through an undisturbed baseline run and through each faulty run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.synthetic import SyntheticFeed
from schemas.tables import alerts, event_updates
from tests.conftest import (
    OUTPUT,
    WorkerProcess,
    consume_all,
    produce,
    spawn_worker,
    unique_settings,
    wait_for,
)
from tests.faults import TcpProxy, clustering, counts, stored, tally

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.slow]

SEED = 5
COUNT = 3000
LINES = list(SyntheticFeed(SEED).lines(COUNT))
IDS = [json.loads(line)["id"] for line in LINES]


@dataclass
class Outcome:
    clustering: dict[str, Any]
    update_ids: set[str]
    alert_ids: set[str]
    counts: dict[str, int]


def outcome(store: Store) -> Outcome:
    with store.engine.connect() as conn:
        update_ids = set(conn.execute(select(event_updates.c.id)).scalars())
        alert_ids = set(conn.execute(select(alerts.c.id)).scalars())
    return Outcome(clustering(store), update_ids, alert_ids, counts(store))


def finished(store: Store) -> bool:
    return stored(store) == COUNT and not store.pending_outbox()


def settings_for(kafka_servers: str, url: str) -> Settings:
    return unique_settings(kafka_servers, url, model="hashing")


@pytest.fixture(scope="module")
def baseline(kafka_servers: str, make_pg_database: Callable[[], str]) -> Iterator[Outcome]:
    """The feed through one worker that nothing disturbs."""
    settings = settings_for(kafka_servers, make_pg_database())
    store = Store(settings.database)
    worker = spawn_worker(settings, OUTPUT / "fault-baseline.log")
    try:
        produce(settings, LINES)
        wait_for(lambda: finished(store), timeout=300, message="the baseline run", worker=worker)
        yield outcome(store)
    finally:
        worker.stop()
        store.close()


def check_against(
    baseline: Outcome, store: Store, settings: Settings, scenario: str, servers: str, notes: str
) -> None:
    updates = consume_all(servers, settings.topic_updates)
    alert_messages = consume_all(servers, settings.topic_alerts)
    dead = consume_all(servers, settings.topic_dlq, idle_s=1.0)
    result = tally(scenario, store, IDS, updates, alert_messages, dead, notes)
    result.save()
    assert result.lost == 0 and result.duplicated_rows == 0
    assert result.stored == COUNT
    assert dead == []
    got = outcome(store)
    assert got.counts == baseline.counts
    # Every event update and alert exactly once in the store, and the same ones...
    assert got.update_ids == baseline.update_ids
    assert got.alert_ids == baseline.alert_ids
    # ...and each at least once on its topic (a crash between publishing and marking the
    # outbox may publish some twice, with the same id: consumers drop the repeat).
    assert {u["update_id"] for u in updates} == got.update_ids
    assert {a["alert_id"] for a in alert_messages} == got.alert_ids
    # Clustering went on as if nothing happened: same events, same copies.
    assert got.clustering == baseline.clustering


def test_sigkill_mid_stream_loses_and_doubles_nothing(
    baseline: Outcome, kafka_servers: str, make_pg_database: Callable[[], str]
) -> None:
    settings = settings_for(kafka_servers, make_pg_database())
    store = Store(settings.database)
    workers: list[WorkerProcess] = []
    kills = []
    try:
        workers.append(spawn_worker(settings, OUTPUT / "fault-kill-1.log"))
        produce(settings, LINES)
        # Two kills at different depths of the stream, each followed by a restart.
        for number, at_least in enumerate((COUNT // 4, COUNT * 2 // 3), start=2):
            wait_for(
                lambda n=at_least: stored(store) >= n,
                interval=0.05,
                timeout=240,
                message=f"{at_least} articles stored",
                worker=workers[-1],
            )
            workers[-1].kill()
            kills.append(stored(store))
            workers.append(spawn_worker(settings, OUTPUT / f"fault-kill-{number}.log"))
        wait_for(
            lambda: finished(store),
            timeout=300,
            message="the rest of the stream",
            worker=workers[-1],
        )
        assert kills[-1] < COUNT, "the second kill came after the end of the stream"
        check_against(
            baseline,
            store,
            settings,
            "sigkill",
            kafka_servers,
            f"SIGKILL twice, with {kills[0]} and {kills[1]} articles stored",
        )
    finally:
        for worker in workers:
            if worker.alive():
                worker.stop()
        store.close()


def test_database_outage_waits_and_loses_nothing(
    baseline: Outcome, kafka_servers: str, make_pg_database: Callable[[], str]
) -> None:
    """PostgreSQL behind a proxy the test cuts: first an outage the worker rides out, then
    one during which it is killed (so offsets committed past the store would lose
    articles), and a frozen server that answers nothing for a while."""
    url = make_pg_database()
    target = make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    proxied = target.set(port=proxy.port).render_as_string(hide_password=False)
    settings = settings_for(kafka_servers, proxied)
    store = Store(url)  # the test's own view, around the proxy
    workers: list[WorkerProcess] = []
    try:
        workers.append(spawn_worker(settings, OUTPUT / "fault-db-1.log"))
        produce(settings, LINES)

        # 1. The database goes away for 15 s; the worker waits and goes on.
        wait_for(
            lambda: stored(store) >= COUNT // 5,
            interval=0.05,
            timeout=240,
            message="a fifth stored",
            worker=workers[-1],
        )
        proxy.cut()
        at_cut = stored(store)
        time.sleep(15)
        assert workers[-1].alive()
        during = stored(store)
        assert "store unavailable" in workers[-1].log()
        proxy.restore()
        wait_for(
            lambda: stored(store) > during + 100,
            timeout=120,
            message="progress after the database came back",
            worker=workers[-1],
        )

        # 2. A frozen database (connections open, nothing moves) for 10 s.
        proxy.stall()
        time.sleep(10)
        assert workers[-1].alive()
        proxy.restore()

        # 3. Away again, and the worker is killed meanwhile; a new one starts while the
        # database is still away (it waits for it), then the database returns.
        wait_for(
            lambda: stored(store) >= COUNT // 2,
            interval=0.05,
            timeout=240,
            message="half stored",
            worker=workers[-1],
        )
        proxy.cut()
        time.sleep(3)
        workers[-1].kill()
        at_kill = stored(store)
        workers.append(spawn_worker(settings, OUTPUT / "fault-db-2.log"))
        time.sleep(8)
        assert workers[-1].alive(), workers[-1].log()[-2000:]
        proxy.restore()
        wait_for(
            lambda: finished(store),
            timeout=300,
            message="the rest of the stream",
            worker=workers[-1],
        )
        check_against(
            baseline,
            store,
            settings,
            "database-outage",
            kafka_servers,
            f"cut for 15 s at {at_cut} stored ({during} during); stalled 10 s; "
            f"cut again and SIGKILL at {at_kill}; new worker started during "
            f"the outage; proxy connections: {proxy.accepted}",
        )
    finally:
        proxy.restore()
        for worker in workers:
            if worker.alive():
                worker.stop()
        proxy.close()
        store.close()
