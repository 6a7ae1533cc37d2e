"""The desk corrects the machine, on the real pipeline: a worker process on a real broker
ingests the bundled sample feed; `wirewatch merge`, `move` and `pin` (real CLI processes)
change its events through the corrections topic; `wirewatch events --json` shows all
three; and after a restart of the worker, later wire copies follow the corrections and
the pinned headline stays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.feeds import bundled_feed
from pipeline.runtime.spawn import settings_env
from pipeline.settings import Settings
from pipeline.store.store import Store
from tests.support.copies import FEED, later_copy
from tests.support.paths import ROOT
from tests.support.workers import WorkerProcess, feed_lines, produce, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def cli(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=check,
    )


def events_json(settings: Settings) -> dict[str, dict[str, Any]]:
    clusters = json.loads(cli(settings, "events", "--json").stdout)
    return {c["event_id"]: c for c in clusters}


def event_of(store: Store, article_id: str) -> str | None:
    placed = store.placements_of([article_id])
    return placed[article_id][0] if placed else None


def test_merge_move_pin_hold_across_a_restart(
    kafka_servers: str, db_url: str, start_worker: Any, tmp_path: Path
) -> None:
    settings = unique_settings(kafka_servers, db_url, model="hashing")
    store = Store(db_url)
    worker: WorkerProcess = start_worker(settings, "first")
    produce(settings, feed_lines(bundled_feed()))
    wait_for(
        lambda: event_of(store, "tour-depart-2") if _has_schema(store) else None,
        timeout=180,
        message="the feed to be stored",
        worker=worker,
    )
    wait_for(lambda: len(store.article_placements()) == len(FEED), worker=worker)
    heat, tour = event_of(store, "canicule-meteo-1"), event_of(store, "tour-depart-1")
    putin = event_of(store, "b528e4333af7b596")
    assert heat and tour and putin and len({heat, tour, putin}) == 3

    merged = cli(settings, "merge", heat, tour, "--by", "ana", "--note", "one story")
    assert f"merged {tour} into {heat}" in merged.stdout
    moved = json.loads(cli(settings, "move", "tour-depart-2", "--new", "--json").stdout)
    new = moved["result_event_id"]
    assert moved["outcome"] == "applied" and new not in (heat, tour)
    cli(settings, "pin", putin, "wire-copy-ouest-1", "--by", "ana")

    # all three at once
    events = events_json(settings)
    assert tour not in events and set(events) == {heat, new, putin}
    assert {a["id"] for a in events[heat]["articles"]} >= {"canicule-meteo-1", "tour-depart-1"}
    assert [a["id"] for a in events[new]["articles"]] == ["tour-depart-2"]
    pinned = FEED["wire-copy-ouest-1"]["title"]
    assert events[putin]["headline"] == pinned and pinned.endswith("Poutine ne cède rien")

    # idempotent, and a clear error for an unknown id
    again = cli(settings, "merge", heat, tour)
    assert "nothing to change" in again.stdout
    unknown = cli(settings, "move", "no-such-article", "--to", heat, check=False)
    assert unknown.returncode != 0 and "unknown article 'no-such-article'" in unknown.stderr
    assert events_json(settings) == events

    listed = json.loads(cli(settings, "corrections", "--json").stdout)
    assert [(c["action"], c["outcome"]) for c in listed] == [
        ("merge", "applied"),
        ("move", "applied"),
        ("pin", "applied"),
        ("merge", "unchanged"),
    ]
    assert listed[0]["by"] == "ana" and listed[0]["note"] == "one story"
    export = tmp_path / "corrections.jsonl"
    cli(settings, "corrections", "--export", str(export))
    records = [json.loads(line) for line in export.read_text().splitlines()]
    assert [r["action"] for r in records] == ["merge", "move", "pin"]
    assert {"a": "canicule-meteo-1", "b": "tour-depart-1", "same_event": True} in records[0][
        "pairs"
    ]
    assert {"a": "tour-depart-2", "b": "tour-depart-1", "same_event": False} in records[1]["pairs"]

    # restart, then later copies of both tour articles
    worker.stop()
    worker = start_worker(settings, "second")
    produce(
        settings,
        [
            later_copy("tour-depart-2", "tour-depart-2-relais", "2025-07-05T19:00:00Z"),
            later_copy("tour-depart-1", "tour-depart-1-relais", "2025-07-05T19:30:00Z"),
        ],
    )
    wait_for(
        lambda: event_of(store, "tour-depart-1-relais") and event_of(store, "tour-depart-2-relais"),
        timeout=180,
        message="the later copies to be stored",
        worker=worker,
    )
    placed = store.placements_of(["tour-depart-2-relais", "tour-depart-1-relais"])
    assert placed["tour-depart-2-relais"] == (new, "tour-depart-2")
    assert placed["tour-depart-1-relais"] == (heat, "tour-depart-1")
    assert events_json(settings)[putin]["headline"] == pinned
    worker.stop()

    # no worker: the command says so instead of waiting forever
    waited = cli(settings, "unpin", putin, "--timeout", "3", check=False)
    assert waited.returncode == 1 and "no worker applied it within 3s" in waited.stderr


def _has_schema(store: Store) -> bool:
    try:
        store.count_articles()
        return True
    except Exception:
        return False
