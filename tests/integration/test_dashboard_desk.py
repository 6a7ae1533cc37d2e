"""The page as a wire desk uses it, in headless Chromium, on a dashboard that reads a
real store (SQLite) and has no broker to follow: what is stored is what it shows.

The store holds what older versions let in (a `javascript:` link); the page must still
link only to http(s). Also: the filter reaches every article's title and source, an
event with many sources folds its chips, times away from today carry their date and
zone, the timeline shows publication beside processing time, the order is the store's,
every response has the security headers and the CSP blocks nothing the page needs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pipeline.events.tracker import EventState, record
from pipeline.kafka.broker import free_port
from pipeline.runtime.spawn import settings_env
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import EventUpdate
from tests.support.dashboard import CHROMIUM, LAUNCH_FLAGS, spawn_dashboard, stop
from tests.support.paths import OUTPUT, ROOT
from tests.support.stories import outbox_writes
from tests.support.workers import unique_settings

pytestmark = pytest.mark.slow

NOW = datetime.now(UTC).replace(microsecond=0)
PAGE_ZONE = "America/New_York"  # the browser's: the page shows times in it
LAST_YEAR = datetime(NOW.year - 1, 7, 3, 10, 0, tzinfo=UTC)
MANY = 60  # sources of the big event
CHIPS_SHOWN = 12


def art(article_id: str, source: str, at: datetime, title: str, url: str | None = None) -> Article:
    return Article(
        id=article_id,
        source=source,
        body=f"{title}. More text.",
        title=title,
        url=url,
        published_at=at,
        received_at=at,
    )


def updates(event_id: str, articles: list[Article], processed: datetime) -> list[EventUpdate]:
    state = EventState.open(event_id, articles[0])
    found = []
    for n, a in enumerate(articles):
        change = record(
            state,
            a,
            created=n == 0,
            duplicate_of=None,
            similarity=0.9,
            produced_at=a.published_at,
            now=processed + timedelta(seconds=n),
        )
        found.append(change.update)
    return found


def seeded_updates() -> list[EventUpdate]:
    # Half an hour ago, but never before midnight where the page is: still "today" there.
    midnight = NOW.astimezone(ZoneInfo(PAGE_ZONE)).replace(hour=0, minute=0, second=0)
    today = max(NOW - timedelta(minutes=30), midnight.astimezone(UTC))
    return [
        *updates(
            "ev-links",
            [
                art("l1", "agency", today, "Bridge closed after storm", "javascript:alert(1)"),
                art("l2", "paper", today, "Storm: bridge shut", " JaVaScRiPt:alert(2)"),
                art("l3", "radio", today, "Storm closes the old bridge", "data:text/html,x"),
                art("l4", "tv", today, "Bridge closed, traffic diverted", "https://tv.example/b"),
            ],
            processed=today + timedelta(minutes=2),
        ),
        *updates(
            "ev-lava",
            [
                art("v1", "agency", today, "Island evacuated"),
                art("v2", "obscure-gazette.example", today, "Lava reaches the harbour"),
            ],
            processed=today + timedelta(minutes=1),
        ),
        *updates(
            "ev-many",
            [
                art(f"m{i}", f"outlet-{i:03d}", today + timedelta(seconds=i), "Summit ends")
                for i in range(MANY)
            ],
            processed=today,
        ),
        *updates(
            "ev-old",
            [art("o1", "archive", LAST_YEAR, "Old flood report")],
            processed=LAST_YEAR + timedelta(minutes=3),
        ),
    ]


READ = """() => [...document.querySelectorAll('.event')].map(e => ({
  id: e.dataset.eventId,
  hidden: e.hidden,
  hrefs: [...e.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  titles: [...e.querySelectorAll('.story .title')].map(t => t.textContent),
  chipsShown: [...e.querySelectorAll('.source')].filter(s => s.offsetParent !== null).length,
  chips: e.querySelectorAll('.source').length,
  moreSources: e.querySelector('.more-sources')?.textContent ?? null,
  firstSeen: e.querySelector('.first-seen').textContent,
  timeline: [...e.querySelectorAll('.tl')].map(t => ({
    at: t.querySelector('time.at').dateTime,
    pub: t.querySelector('time.pub')?.dateTime ?? null,
    pubShown: t.querySelector('time.pub')?.textContent ?? null})),
}))"""


@dataclass
class Desk:
    settings: Settings
    port: int
    page: Any
    violations: list[str]
    store: Store

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def read(self) -> list[dict[str, Any]]:
        return list(self.page.evaluate(READ))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    if CHROMIUM is None:
        pytest.skip("no Chromium: `make install` installs Debian's chromium when run as root")
    from playwright.sync_api import sync_playwright

    db = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'ww.db'}"
    store = Store(db)
    store.create_schema()
    store.write(outbox_writes(seeded_updates()))
    # No broker at all: a closed port. The page shows the store, amber.
    settings = unique_settings(f"127.0.0.1:{free_port()}", db)
    port = free_port()
    dashboard = spawn_dashboard(settings, port, OUTPUT / "dashboard-desk.log")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
            context = browser.new_context(
                viewport={"width": 1400, "height": 900}, timezone_id=PAGE_ZONE
            )
            page = context.new_page()
            violations: list[str] = []
            page.on(
                "console",
                lambda m: (
                    violations.append(m.text) if "Content Security Policy" in m.text else None
                ),
            )
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".event", timeout=30_000)
            yield Desk(settings, port, page, violations, store)
            browser.close()
    finally:
        stop(dashboard)
        store.close()


def test_only_http_links_are_rendered(desk: Desk) -> None:
    links = next(e for e in desk.read() if e["id"] == "ev-links")
    assert links["hrefs"] == ["https://tv.example/b"]
    assert len(links["titles"]) == 4  # the others are shown, as text
    api = json.loads(urllib.request.urlopen(desk.url("/api/events"), timeout=10).read())
    urls = [s["url"] for e in api["events"] for s in e["stories"]]
    assert all(u is None or u.startswith("https://") for u in urls), urls


def test_one_order_on_the_page_in_the_api_and_in_the_store(desk: Desk) -> None:
    api = json.loads(urllib.request.urlopen(desk.url("/api/events"), timeout=10).read())
    stored = [c["event_id"] for c in desk.store.event_clusters()]
    assert [e["id"] for e in desk.read()] == [e["event_id"] for e in api["events"]] == stored
    assert stored == ["ev-links", "ev-lava", "ev-many", "ev-old"]


def test_the_filter_reaches_story_titles_and_every_source(desk: Desk) -> None:
    page = desk.page
    try:
        page.fill("#filter", "lava")  # only a story title says it, not the headline
        assert [e["id"] for e in desk.read() if not e["hidden"]] == ["ev-lava"]
        page.fill("#filter", "OBSCURE-gazette")  # the second article's source
        assert [e["id"] for e in desk.read() if not e["hidden"]] == ["ev-lava"]
        page.fill("#filter", f"outlet-{MANY - 1:03d}")  # a chip folded away
        assert [e["id"] for e in desk.read() if not e["hidden"]] == ["ev-many"]
    finally:
        page.fill("#filter", "")
    assert not any(e["hidden"] for e in desk.read())


def test_many_sources_fold_their_chips(desk: Desk) -> None:
    many = next(e for e in desk.read() if e["id"] == "ev-many")
    assert many["chips"] == MANY
    assert many["chipsShown"] == CHIPS_SHOWN
    assert many["moreSources"] == f"+ {MANY - CHIPS_SHOWN} more"
    desk.page.click('[data-event-id="ev-many"] .more-sources')
    many = next(e for e in desk.read() if e["id"] == "ev-many")
    assert many["chipsShown"] == MANY
    small = next(e for e in desk.read() if e["id"] == "ev-lava")
    assert small["moreSources"] is None and small["chipsShown"] == 2


def test_times_away_from_today_carry_date_and_zone(desk: Desk) -> None:
    shown = {e["id"]: e for e in desk.read()}
    old = shown["ev-old"]["firstSeen"]
    # 10:00 UTC is 06:00 in New York in July (EDT)
    assert str(LAST_YEAR.year) in old and "Jul" in old and "6:00" in old, old
    assert re.search(r"EDT|GMT-4", old), old
    today = shown["ev-lava"]["firstSeen"]
    assert re.fullmatch(r"\d\d:\d\d", today), today


def test_the_timeline_shows_publication_beside_processing(desk: Desk) -> None:
    old = next(e for e in desk.read() if e["id"] == "ev-old")
    [entry] = old["timeline"]
    assert entry["at"] == (LAST_YEAR + timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    assert entry["pub"] == LAST_YEAR.isoformat().replace("+00:00", "Z")
    assert str(LAST_YEAR.year) in entry["pubShown"]


def test_status_says_kafka_is_unreachable(desk: Desk) -> None:
    desk.page.wait_for_selector("body[data-status=stale]", timeout=10_000)
    assert "Kafka" in desk.page.inner_text("#banner")


def headers_of(url: str) -> dict[str, str]:
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as error:
        return dict(error.headers)


@pytest.mark.parametrize(
    "path", ["/", "/static/app.js", "/static/style.css", "/api/events", "/healthz", "/nope"]
)
def test_security_headers_on_every_response(desk: Desk, path: str) -> None:
    headers = headers_of(desk.url(path))
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_the_stream_has_them_too(desk: Desk) -> None:
    with urllib.request.urlopen(desk.url("/api/stream"), timeout=10) as response:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"]


def test_the_policy_blocks_nothing_the_page_uses(desk: Desk) -> None:
    desk.page.reload()
    desk.page.wait_for_selector(".event", timeout=30_000)
    desk.page.screenshot(path=str(OUTPUT / "dashboard-desk.png"), full_page=False)
    assert desk.violations == []


def test_a_non_loopback_address_warns_of_no_authentication(tmp_path: Path) -> None:
    settings = unique_settings(f"127.0.0.1:{free_port()}", f"sqlite:///{tmp_path / 'w.db'}")
    env = {**os.environ, **settings_env(settings)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "dashboard",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = process.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        process.terminate()
        _, err = process.communicate(timeout=15)
    assert "no authentication" in err, err
