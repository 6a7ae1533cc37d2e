"""One happening across languages, through the real pipeline with its default settings
(issue 15): a worker process on a real broker, the default (multilingual) model.

The five French seed reports of the Putin-Trump call of 3 July 2025 and English and
German reports of the same call form one event; the next day's Trump-Zelensky call, the
Lavrov-Rubio meeting a week later and unrelated French, English and German stories stay
out of it. A German report sent without `language` is stored, announced and listed as
`de`. The articles come from data/eval/multilingual.jsonl (written for the project),
through its variant data/eval/variants/multilingual.next_day.jsonl.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.tables import articles
from tests.support.paths import OUTPUT
from tests.support.workers import consume_all, produce, spawn_worker, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

# The call in French, English and German, the next day's call, the ministers' meeting and
# three unrelated stories: the multilingual set's hardest case, as
# scripts/make_next_day_variant.py selects it.
SCENARIO = Path(__file__).resolve().parents[2] / "data/eval/variants/multilingual.next_day.jsonl"
OTHER_REPORTS = {"call-en-wire", "call-en-daily", "call-de-dpa", "call-de-zeitung"}
OUTSIDERS = {
    "zel-fr", "zel-en", "zel-de",  # the next day's call, Trump and Zelensky
    "kl-fr", "kl-en", "kl-de",  # the foreign ministers in Kuala Lumpur, a week later
    "atc-fr-1", "atc-en-1", "hitze-de-1",  # unrelated French, English and German stories
}  # fmt: skip
NO_LANGUAGE = "call-de-zeitung"


def _scenario() -> list[dict[str, Any]]:
    """The scenario's articles as a producer sends them: no label, one without language."""
    wanted = []
    for line in SCENARIO.read_text(encoding="utf-8").splitlines():
        article = {k: v for k, v in json.loads(line).items() if k != "event_id"}
        if article["id"] == NO_LANGUAGE:
            del article["language"]
        wanted.append(article)
    return wanted


@dataclass
class Run:
    settings: Settings
    clusters: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    languages: dict[str, str | None]


@pytest.fixture(scope="module")
def run(kafka_servers: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'wirewatch.db'}"
    settings = unique_settings(kafka_servers, url)  # the default model and thresholds
    feed = _scenario()
    store = Store(url)
    worker = spawn_worker(settings, OUTPUT / "languages.log")
    try:
        produce(settings, [json.dumps(a, ensure_ascii=False).encode() for a in feed])
        wait_for(
            lambda: _stored(store) == len(feed),
            timeout=240,
            message="the scenario to be stored",
            worker=worker,
        )
        wait_for(lambda: store.pending_outbox().update_seqs == [], message="the outbox to drain")
        rows = store.fetch_all(articles.select())
        yield Run(
            settings,
            store.event_clusters(),
            consume_all(kafka_servers, settings.topic_updates),
            {r.id: r.language for r in rows},
        )
    finally:
        worker.stop()
        store.close()


def _stored(store: Store) -> int:
    try:
        return store.count(articles)
    except Exception:  # the worker has not created the schema yet
        return 0


def _event_of(run: Run, article_id: str) -> dict[str, Any]:
    return next(c for c in run.clusters if any(a["id"] == article_id for a in c["articles"]))


def test_one_event_across_french_english_and_german(run: Run) -> None:
    seeds = {a["id"] for a in _scenario() if a["source"].startswith("outlet-")}
    event = _event_of(run, next(iter(seeds)))
    members = {a["id"] for a in event["articles"]}
    assert seeds | OTHER_REPORTS <= members
    assert {a["language"] for a in event["articles"]} == {"fr", "en", "de"}


def test_the_next_days_call_the_ministers_meeting_and_other_stories_stay_out(run: Run) -> None:
    call = _event_of(run, "call-en-wire")["event_id"]
    for article_id in OUTSIDERS:
        assert _event_of(run, article_id)["event_id"] != call, article_id


def test_an_article_without_language_is_stored_announced_and_listed_as_german(run: Run) -> None:
    assert run.languages[NO_LANGUAGE] == "de"
    update = next(u for u in run.updates if u["article"]["id"] == NO_LANGUAGE)
    assert update["article"]["language"] == "de"
    listed = next(a for a in _event_of(run, NO_LANGUAGE)["articles"] if a["id"] == NO_LANGUAGE)
    assert listed["language"] == "de"


def test_every_article_has_its_language(run: Run) -> None:
    given = {a["id"]: a.get("language") for a in _scenario()}
    for article_id, language in given.items():
        assert run.languages[article_id] == (language or "de")
