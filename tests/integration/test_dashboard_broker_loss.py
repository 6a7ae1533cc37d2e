"""The dashboard when Kafka goes away and comes back, in headless Chromium: a real
worker and a real dashboard on a `wirewatch broker` that is stopped under them, then
started again on the same port (memory only: its topics are gone).

The status turns amber within 10 s and says why, the dashboard's log does not fill with
the Kafka client's connection errors, and once the broker is back the page goes live
again by itself and shows an event ingested then, without a reload."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.kafka.broker import free_port
from pipeline.store.store import Store
from tests.support.dashboard import CHROMIUM, LAUNCH_FLAGS, has_schema, spawn_dashboard, stop
from tests.support.faults import BrokerProcess
from tests.support.paths import OUTPUT
from tests.support.workers import produce, spawn_worker, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def article(article_id: str, title: str, body: str) -> bytes:
    return json.dumps(
        {
            "id": article_id,
            "source": "wire.example",
            "title": title,
            "body": body,
            "published_at": datetime.now(UTC).isoformat(),
        }
    ).encode()


BEFORE = article(
    "volcano-1",
    "Volcano erupts on the island, villages evacuated",
    "The volcano erupted at dawn; lava reached two villages and the army evacuated them.",
)
AFTER = article(
    "chess-1",
    "Teenager wins the world chess championship in a tie-break",
    "A seventeen-year-old won the world chess title after four rapid games in the tie-break.",
)


@pytest.fixture
def page_of(tmp_path: Path) -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium: `make install` installs Debian's chromium when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        yield browser.new_page(viewport={"width": 1400, "height": 900})
        browser.close()


def connection_errors(log: Path) -> int:
    return sum("Unable connect" in line for line in log.read_text(errors="replace").splitlines())


def test_the_page_goes_amber_then_catches_up(page_of: Any, tmp_path: Path) -> None:
    broker = BrokerProcess(free_port(), OUTPUT / "dashboard-broker-loss-broker.log").start()
    settings = unique_settings(broker.servers, f"sqlite:///{tmp_path / 'ww.db'}", model="hashing")
    store = Store(settings.database)
    worker = spawn_worker(settings, OUTPUT / "dashboard-broker-loss-worker.log")
    dashboard_log = OUTPUT / "dashboard-broker-loss-dashboard.log"
    dashboard = None
    page = page_of
    try:
        produce(settings, [])
        wait_for(lambda: has_schema(store), timeout=60, message="the schema", worker=worker)
        port = free_port()
        dashboard = spawn_dashboard(settings, port, dashboard_log)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("body[data-status=live]", timeout=30_000)
        page.evaluate("window.__sameDocument = true")
        produce(settings, [BEFORE])
        page.wait_for_selector('.event:has-text("Volcano erupts")', timeout=120_000)

        broker.stop()
        gone = time.monotonic()
        page.wait_for_selector("body[data-status=stale]", timeout=10_000)
        assert time.monotonic() - gone < 10
        status = page.inner_text("#banner")
        assert "Kafka" in status, status
        assert page.query_selector('.event:has-text("Volcano erupts")')  # still shown
        page.screenshot(path=str(OUTPUT / "dashboard-broker-lost.png"))

        errors_then = connection_errors(dashboard_log)
        time.sleep(20)  # the outage goes on: the log must stay quiet
        assert connection_errors(dashboard_log) - errors_then <= 4

        broker.start()
        produce(settings, [AFTER])  # recreates the topics, as `wirewatch ingest` does
        page.wait_for_selector("body[data-status=live]", timeout=90_000)
        assert page.is_hidden("#banner")
        page.wait_for_selector('.event:has-text("Teenager wins")', timeout=120_000)
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        assert page.query_selector('.event:has-text("Volcano erupts")')
        page.screenshot(path=str(OUTPUT / "dashboard-after-broker-loss.png"))
    finally:
        if dashboard is not None:
            stop(dashboard)
        if worker.alive():
            worker.kill()
        if broker.alive():
            broker.stop()
        store.close()
