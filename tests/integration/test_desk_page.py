"""Editors correct from the page: a real worker and dashboard on the embedded broker, two
headless Chromium browsers open on the board. The first, with the editor token, selects
two events and merges them; the second sees one event remain, without a reload. Then the
first pins a headline and moves a story to a new event from the stories' menus, and the
second follows again. Without the token the API refuses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from pydantic import SecretStr

from pipeline.feeds import bundled_feed
from pipeline.kafka.broker import free_port
from pipeline.store.store import Store
from tests.support.dashboard import CHROMIUM, LAUNCH_FLAGS, spawn_dashboard, stop
from tests.support.paths import OUTPUT
from tests.support.workers import feed_lines, produce, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

TOKEN = "desk-s3cret"
FEED_TITLES = {
    json.loads(line)["id"]: json.loads(line).get("title") for line in feed_lines(bundled_feed())
}
CARDS = "() => [...document.querySelectorAll('.event')].map(e => e.dataset.eventId)"


def _post(port: int, body: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/corrections",
        data=json.dumps(body).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_merge_from_the_page_shows_in_another_browser(
    kafka_servers: str, sqlite_url: str, start_worker: Any
) -> None:
    if CHROMIUM is None:
        pytest.skip("no Chromium: `make install` installs Debian's chromium when run as root")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: `make install`")
    settings = unique_settings(
        kafka_servers, sqlite_url, model="hashing", editor_token=SecretStr(TOKEN)
    )
    store = Store(sqlite_url)
    worker = start_worker(settings, "desk-worker")
    lines = feed_lines(bundled_feed())
    produce(settings, lines)
    wait_for(lambda: _stored(store) == len(lines), timeout=180, message="the feed", worker=worker)
    placements = store.article_placements()
    heat, tour = placements["canicule-meteo-1"][0], placements["tour-depart-1"][0]
    port = free_port()
    dashboard = spawn_dashboard(settings, port, OUTPUT / "desk-dashboard.log")
    try:
        status, answer = _post(
            port, {"action": "merge", "event_id": heat, "from_event_id": tour}, None
        )
        assert status == 401 and "editor token" in answer["error"]
        status, answer = _post(port, {"action": "move", "article_ids": ["nope"]}, TOKEN)
        assert status == 422 and "unknown article 'nope'" in answer["error"]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
            editor = browser.new_context().new_page()
            watcher = browser.new_context().new_page()
            for page in (editor, watcher):
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("body[data-status=live]", timeout=30_000)
                wait_for(lambda p=page: len(p.evaluate(CARDS)) == 3, timeout=30)
            watcher.evaluate("window.__sameDocument = true")
            assert watcher.locator("#desk-mode").text_content() == "editor"

            editor.fill("#editor-token", TOKEN)
            editor.fill("#editor-name", "ana")
            editor.check(f'.event[data-event-id="{heat}"] .select-event')
            editor.check(f'.event[data-event-id="{tour}"] .select-event')
            assert "into" in (editor.locator("#merge-text").text_content() or "")
            editor.click("#merge-bar [data-action=merge]")

            shown = wait_for(
                lambda: _cards_if(watcher, 2),
                timeout=60,
                message="the merge on the second page",
                worker=worker,
            )
            assert tour not in shown and heat in shown
            assert watcher.evaluate("window.__sameDocument === true")
            merged = watcher.locator(f'.event[data-event-id="{heat}"]')
            assert merged.locator("[data-role=article-count]").text_content() == "5"
            stories = merged.locator(".story").evaluate_all(
                "ns => ns.map(n => n.dataset.articleId)"
            )
            assert {"tour-depart-1", "tour-depart-2", "canicule-meteo-1"} <= set(stories)
            wait_for(lambda: len(editor.evaluate(CARDS)) == 2, timeout=30)
            editor.screenshot(path=str(OUTPUT / "desk-merged.png"), full_page=True)

            # Pin from a story's menu; move another story to a new event.
            putin = placements["b881944e533b6189"][0]
            story = editor.locator('.story[data-article-id="b881944e533b6189"]')
            story.locator(":scope > .story-menu > summary").click()
            story.locator(":scope > .story-menu [data-action=pin]").click()
            headline = FEED_TITLES["b881944e533b6189"]
            wait_for(
                lambda: _headline(watcher, putin) == headline,
                timeout=60,
                message="the pinned headline on the second page",
            )
            moved = editor.locator('.story[data-article-id="tour-depart-2"]')
            moved.locator(":scope > .story-menu > summary").click()
            moved.locator(":scope > .story-menu [data-action=move-new]").click()
            shown = wait_for(lambda: _cards_if(watcher, 3), timeout=60, message="the move")
            assert watcher.evaluate("window.__sameDocument === true")
            browser.close()
        recorded = store.corrections_list()
        assert [(c["action"], c["by"]) for c in recorded] == [
            ("merge", "ana"),
            ("pin", "ana"),
            ("move", "ana"),
        ]
        new = recorded[2]["result_event_id"]
        assert new in shown and placements["tour-depart-2"][0] != new
        assert store.placements_of(["tour-depart-2"])["tour-depart-2"][0] == new
    finally:
        stop(dashboard)
        worker.stop()
        store.close()


def _headline(page: Any, event_id: str) -> str | None:
    node = page.locator(f'.event[data-event-id="{event_id}"] .headline')
    return str(node.text_content()) if node.count() else None


def _cards_if(page: Any, count: int) -> list[str] | None:
    cards: list[str] = page.evaluate(CARDS)
    return cards if len(cards) == count else None


def _stored(store: Store) -> int:
    try:
        return store.count_articles()
    except Exception:
        return 0
