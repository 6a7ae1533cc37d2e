"""What the newsroom sees, end to end: a real worker and a real dashboard process on the
embedded broker, headless Chromium on the page, a local HTTP receiver for the webhook,
and a scrape of the worker's /metrics.

One run feeds them all. The feed goes in three steps: one article (its event must
appear on the page), the rest of the feed (the event must gain sources on the same
page, not reloaded), then everything again, with every alert message delivered a
second time (nothing may change: no new card, no timeline entry, no webhook POST).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipeline.feeds import bundled_feed
from pipeline.kafka.broker import free_port
from pipeline.newsroom.webhook import WebhookOutbox
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.tables import articles
from tests.support.dashboard import CHROMIUM, LAUNCH_FLAGS, has_schema, spawn_dashboard, stop
from tests.support.paths import OUTPUT
from tests.support.receiver import Receiver, receiving
from tests.support.workers import (
    consume_all,
    feed_lines,
    produce,
    spawn_worker,
    unique_settings,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]

LINES = feed_lines(bundled_feed())
FEED = [json.loads(line) for line in LINES]
COPIES = {a["id"]: a["wire_copy_of"] for a in FEED if "wire_copy_of" in a}
FIRST = FEED[0]  # canicule-meteo-1: its event later gains a wire copy and another report
NOT_JSON = b'{"id": "broken-1", "source": "x", "body": "unterminated'
NO_BODY = json.dumps({"id": "no-body-1", "source": "wire.example"}).encode()
MIN_INTERVAL_S = 1.5  # the per-event webhook rate limit of this run

# What the page shows, read from its DOM.
READ_PAGE = """() => [...document.querySelectorAll('.event')].map(e => ({
  id: e.dataset.eventId,
  lastActivity: e.dataset.lastActivity,
  headline: e.querySelector('.headline').textContent,
  articleCount: Number(e.querySelector('[data-role=article-count]').textContent),
  sourceCount: Number(e.querySelector('[data-role=source-count]').textContent),
  sources: [...e.querySelectorAll('.source')].map(s => ({
    name: s.dataset.source, first: s.classList.contains('first'),
    joined: s.querySelector('time').dateTime, shown: s.querySelector('time').textContent})),
  stories: [...e.querySelectorAll('.story')].map(s => ({
    id: s.dataset.articleId,
    copies: [...s.querySelectorAll('.copy')].map(c => c.dataset.articleId)})),
  timeline: [...e.querySelectorAll('.tl')].map(t => t.dataset.updateId),
  languages: [...e.querySelectorAll('.language')].map(l => [
    l.dataset.language, Number(l.querySelector('.n').textContent)]),
  languageMenu: [...document.querySelectorAll('#language option')].map(o => o.value),
}))"""


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with receiving(answers=[500]) as record:  # the first POST fails, to be retried
        yield record


# -- processes -----------------------------------------------------------------------------


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def scrape(port: int) -> dict[str, float]:
    """`name{label="value",...}` -> value, for every sample of the worker's /metrics."""
    samples = {}
    for family in text_string_to_metric_families(get(f"http://127.0.0.1:{port}/metrics").decode()):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return samples


# -- the run -------------------------------------------------------------------------------


@dataclass
class Run:
    settings: Settings
    store: Store
    receiver: Receiver
    worker_log: Path
    dashboard_log: Path
    first_event: list[dict[str, Any]]  # the page after step 1
    live_page: list[dict[str, Any]]  # the same page after step 2
    replayed_page: list[dict[str, Any]]  # ... and after step 3
    reloaded: bool
    screenshot: Path
    fresh_page: list[dict[str, Any]]  # a new dashboard, started after the run
    alerts: list[dict[str, Any]]  # every alert on the topic
    clusters: list[dict[str, Any]]
    metrics: dict[str, float]
    webhook_statuses: dict[str, str]


def _page_settled(page: Any, expected_articles: int) -> list[dict[str, Any]] | None:
    shown = page.evaluate(READ_PAGE)
    return shown if sum(e["articleCount"] for e in shown) == expected_articles else None


@pytest.fixture(scope="module")
def run(
    kafka_servers: str, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    if CHROMIUM is None:
        pytest.skip("no Chromium: `make install` installs Debian's chromium when run as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: `make install`")
    url = f"sqlite:///{tmp_path_factory.mktemp('newsroom') / 'wirewatch.db'}"
    settings = unique_settings(
        kafka_servers,
        url,
        webhook_url=receiver.url,
        webhook_triggers="new_event,source_joined",
        webhook_min_interval_s=MIN_INTERVAL_S,
        webhook_retry_base_s=0.3,
        webhook_timeout_s=5.0,
        stall_s=6.0,  # the stall watch looks every second: its gauge is in every scrape
    )
    store = Store(url)
    worker_log = OUTPUT / "newsroom-worker.log"
    dashboard_log = OUTPUT / "newsroom-dashboard.log"
    worker = spawn_worker(settings, worker_log)
    dashboard = fresh = None
    try:
        produce(settings, [])  # creates the topics, so the dashboard can start following
        wait_for(lambda: has_schema(store), timeout=60, message="the schema", worker=worker)
        dash_port = free_port()
        dashboard = spawn_dashboard(settings, dash_port, dashboard_log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1200})
            page.goto(f"http://127.0.0.1:{dash_port}/")
            page.wait_for_selector("body[data-status=live]", timeout=30_000)
            page.evaluate("window.__sameDocument = true")

            # Step 1: one article; its event appears.
            produce(settings, [LINES[0]])
            page.wait_for_selector(".event", timeout=240_000)
            first_event = page.evaluate(READ_PAGE)

            # Step 2: the rest, and two bad messages; the event gains sources, live.
            produce(settings, [*LINES[1:], NOT_JSON, NO_BODY])
            live_page = wait_for(
                lambda: _page_settled(page, len(FEED)),
                timeout=120,
                message="the whole feed on the page",
                worker=worker,
            )
            OUTPUT.mkdir(exist_ok=True)
            screenshot = OUTPUT / "dashboard.png"
            page.screenshot(path=str(screenshot), full_page=True)

            # Step 3: everything again; every alert message a second time.
            wait_for(
                lambda: not store.pending_outbox(),
                message="the outbox to be published",
                worker=worker,
            )
            alerts = consume_all(kafka_servers, settings.topic_alerts)
            produce(settings, LINES)
            produce(
                settings,
                [json.dumps(a).encode() for a in alerts],
                topic=settings.topic_alerts,
            )
            embedded = f"{settings.app_id}.embedded"
            wait_for(
                lambda: len(consume_all(kafka_servers, embedded, 1.0)) >= 2 * len(FEED),
                message="the replay to pass the pipeline",
                worker=worker,
            )
            outbox = WebhookOutbox(store)
            wait_for(
                lambda: (
                    (s := outbox.statuses())
                    and len(s) == len(alerts)
                    and set(s.values()) == {"delivered"}
                ),
                timeout=60,
                message="every alert to be delivered",
                worker=worker,
            )
            wait_for(
                lambda: (
                    scrape(settings.web_port).get(
                        'wirewatch_webhook_alerts_total{decision="repeat"}'
                    )
                    == len(alerts)
                ),
                timeout=60,
                message="the webhook agent to read the repeated alerts",
                worker=worker,
            )
            time.sleep(MIN_INTERVAL_S + 1.5)  # room for a wrong extra POST to show up
            replayed_page = page.evaluate(READ_PAGE)
            reloaded = not page.evaluate("window.__sameDocument === true")

            # A dashboard started now has only the store to go by.
            fresh_port = free_port()
            fresh = spawn_dashboard(settings, fresh_port, OUTPUT / "newsroom-dashboard-2.log")
            fresh_tab = browser.new_page(viewport={"width": 1440, "height": 1200})
            fresh_tab.goto(f"http://127.0.0.1:{fresh_port}/")
            fresh_tab.wait_for_selector(".event", timeout=30_000)
            fresh_page = fresh_tab.evaluate(READ_PAGE)
            browser.close()

        yield Run(
            settings=settings,
            store=store,
            receiver=receiver,
            worker_log=worker_log,
            dashboard_log=dashboard_log,
            first_event=first_event,
            live_page=live_page,
            replayed_page=replayed_page,
            reloaded=reloaded,
            screenshot=screenshot,
            fresh_page=fresh_page,
            alerts=alerts,
            clusters=store.event_clusters(),
            metrics=scrape(settings.web_port),
            webhook_statuses=outbox.statuses(),
        )
    finally:
        for process in (dashboard, fresh):
            if process is not None:
                stop(process)
        worker.stop()
        store.close()


# -- the page ------------------------------------------------------------------------------


def test_an_event_appears_then_gains_sources_without_reload(run: Run) -> None:
    assert [e["sourceCount"] for e in run.first_event] == [1]
    first = run.first_event[0]
    assert first["sources"] == [
        {
            "name": FIRST["source"],
            "first": True,
            "joined": FIRST["published_at"],
            "shown": first["sources"][0]["shown"],
        }
    ]
    assert first["stories"] == [{"id": FIRST["id"], "copies": []}]

    later = next(e for e in run.live_page if e["id"] == first["id"])
    stored = next(c for c in run.clusters if c["event_id"] == first["id"])
    assert later["sourceCount"] == stored["source_count"] == 3
    assert [s["name"] for s in later["sources"]] == stored["sources"]
    assert [s["first"] for s in later["sources"]] == [True, False, False]
    assert not run.reloaded, "the page was reloaded"


def test_the_page_shows_what_the_store_holds(run: Run) -> None:
    by_id = {e["id"]: e for e in run.live_page}
    assert set(by_id) == {c["event_id"] for c in run.clusters}
    for cluster in run.clusters:
        shown = by_id[cluster["event_id"]]
        assert shown["headline"] == cluster["headline"]
        assert shown["articleCount"] == cluster["article_count"]
        assert [(s["name"], s["joined"]) for s in shown["sources"]] == [
            (s["source"], s["first_seen"].replace("+00:00", "Z")) for s in cluster["source_details"]
        ]
        # One timeline entry per article: the outbox is the timeline.
        assert len(shown["timeline"]) == cluster["article_count"]
        assert len(set(shown["timeline"])) == len(shown["timeline"])


def test_each_event_shows_its_languages(run: Run) -> None:
    # The sample feed is French: one chip per event, counting all its articles; the
    # language menu offers every language shown (issue 15).
    for event in run.live_page:
        assert event["languages"] == [["fr", event["articleCount"]]]
        assert event["languageMenu"] == ["", "fr"]


def test_copies_are_folded_under_their_original(run: Run) -> None:
    folded = {copy: s["id"] for e in run.live_page for s in e["stories"] for copy in s["copies"]}
    assert folded == COPIES
    originals = {s["id"] for e in run.live_page for s in e["stories"]}
    assert originals.isdisjoint(COPIES)


def test_events_are_ordered_by_activity(run: Run) -> None:
    activity = [e["lastActivity"] for e in run.live_page]
    assert activity == sorted(activity, reverse=True)


def test_repeated_messages_change_nothing_on_the_page(run: Run) -> None:
    assert run.replayed_page == run.live_page


def test_a_new_dashboard_starts_from_the_store(run: Run) -> None:
    def essentials(page: list[dict[str, Any]]) -> list[Any]:
        return [
            (e["id"], e["articleCount"], e["sources"], e["stories"], sorted(e["timeline"]))
            for e in page
        ]

    assert essentials(run.fresh_page) == essentials(run.live_page)


def test_screenshot_saved(run: Run) -> None:
    assert run.screenshot.stat().st_size > 10_000


def test_dashboard_logs_are_json(run: Run) -> None:
    lines = [line for line in run.dashboard_log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(r["msg"] == "following event updates" for r in records)
    assert all({"ts", "level", "logger", "msg"} <= r.keys() for r in records)


# -- the webhook ---------------------------------------------------------------------------


def test_one_webhook_delivery_per_alert_even_when_delivered_twice(run: Run) -> None:
    expected = {a["alert_id"] for a in run.alerts}
    delivered = run.receiver.alert_ids()
    assert sorted(delivered) == sorted(expected)  # each exactly once
    joins = [a for a in delivered if ":source_joined:" in a]
    assert len(joins) == sum(c["source_count"] - 1 for c in run.clusters)
    assert set(run.webhook_statuses.values()) == {"delivered"}


def test_failed_post_is_retried(run: Run) -> None:
    failed = run.receiver.posts[0]
    assert failed.status == 500
    retried = {a["alert_id"] for a in failed.body["alerts"]}
    assert retried <= set(run.receiver.alert_ids())
    assert run.metrics['wirewatch_webhook_posts_total{outcome="retry"}'] == 1


def test_webhook_rate_limit_per_event(run: Run) -> None:
    last: dict[str, float] = {}
    for post in run.receiver.accepted():
        event_id = post.body["event_id"]
        if event_id in last:
            assert post.at - last[event_id] >= MIN_INTERVAL_S - 0.05
        last[event_id] = post.at
    # The Ukraine story gains seven sources within a batch or two: they share POSTs.
    assert len(run.receiver.accepted()) < len(run.alerts)


# -- the metrics ---------------------------------------------------------------------------


def test_metrics_count_what_was_ingested(run: Run) -> None:
    m = run.metrics
    assert m["wirewatch_articles_in_total"] == 2 * len(FEED) + 2
    assert m["wirewatch_duplicates_total"] == len(COPIES)
    assert m['wirewatch_dlq_total{reason="not_json"}'] == 1
    assert m['wirewatch_dlq_total{reason="invalid_fields"}'] == 1
    assert m["wirewatch_events_opened_total"] == len(run.clusters)
    assert m["wirewatch_articles_stored_total"] == run.store.count(articles) == len(FEED)
    assert m["wirewatch_sources_joined_total"] == sum(c["source_count"] - 1 for c in run.clusters)
    assert m['wirewatch_redeliveries_total{stage="dedup"}'] == len(FEED)
    assert m["wirewatch_end_to_end_latency_seconds_count"] == len(FEED)
    assert m["wirewatch_end_to_end_latency_seconds_sum"] > 0
    assert m["wirewatch_embedding_batch_seconds_count"] >= 1
    assert m["wirewatch_embedded_articles_total"] >= len(FEED) - len(COPIES)
    assert m['wirewatch_webhook_alerts_total{decision="repeat"}'] == len(run.alerts)
    assert m['wirewatch_webhook_posts_total{outcome="delivered"}'] == len(run.receiver.accepted())
    lags = {k for k in m if k.startswith("wirewatch_consumer_lag{")}
    assert any(f'topic="{run.settings.topic_articles}"' in k for k in lags)
    unread = {k: v for k, v in m.items() if k.startswith("wirewatch_partition_unread_seconds{")}
    assert any(f'topic="{run.settings.topic_articles}"' in k for k in unread)
    assert set(unread.values()) == {0.0}  # every partition read: nothing stalled


def test_worker_logs_are_logfmt(run: Run) -> None:
    text = run.worker_log.read_text()
    assert 'msg="webhook delivered"' in text
    delivered = [line for line in text.splitlines() if 'msg="webhook delivered"' in line]
    assert all(line.startswith("ts=") and " event_id=" in line for line in delivered)
