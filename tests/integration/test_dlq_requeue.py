"""`wirewatch dlq --requeue`: once what stopped some articles is mended (here, a body
limit set too low), their dead letters' originals go back to the input topic and are
stored; what fails again is dead-lettered again, and what was stored meanwhile is taken
as a replay. Each dead letter goes back once unless asked again (the store records it),
and the listing says when. Nothing is lost on the way, nothing doubled. Real broker, real
PostgreSQL, real workers."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable

import pytest

from pipeline.kafka.deadletters import read_dead_letters
from pipeline.settings import Settings
from pipeline.store.store import Store
from tests.support.cli import CLI
from tests.support.paths import OUTPUT, ROOT
from tests.support.workers import produce, spawn_worker, unique_settings, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def line(article_id: str, words: int) -> bytes:
    body = " ".join(f"{article_id}-word{n}" for n in range(words))
    return json.dumps({"id": article_id, "source": f"{article_id}.example", "body": body}).encode()


def dead(settings: Settings) -> list[str | None]:
    """The article ids of the dead letters, in order."""
    return [r.letter.article_id() if r.letter else None for r in read_dead_letters(settings)]


def dlq(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`wirewatch dlq` as a user of this deployment runs it: its topics and store set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env.update(
        WIREWATCH_BOOTSTRAP_SERVERS=settings.kafka_servers,
        WIREWATCH_DATABASE_URL=settings.database,
        WIREWATCH_APP_ID=settings.app_id,
        WIREWATCH_TOPIC_ARTICLES=settings.topic_articles,
        WIREWATCH_TOPIC_DLQ=settings.topic_dlq,
    )
    return subprocess.run(
        [*CLI, "dlq", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def requeue(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return dlq(settings, "--requeue", *args)


def stored(store: Store, *ids: str) -> set[str]:
    try:
        return set(store.stored_articles(ids))
    except Exception:  # no schema yet
        return set()


def test_dead_letters_go_back_once_the_limit_is_raised(
    kafka_servers: str, make_pg_database: Callable[[], str]
) -> None:
    low = unique_settings(kafka_servers, make_pg_database(), model="hashing", max_body_chars=300)
    store = Store(low.database)
    worker = spawn_worker(low, OUTPUT / "dlq-requeue-low-limit.log")
    try:
        produce(low, [line("short-1", 5), line("long-1", 200), line("long-2", 200)])
        wait_for(lambda: stored(store, "short-1"), 120, message="short-1 stored", worker=worker)
        wait_for(lambda: len(dead(low)) == 2, 60, message="two dead letters", worker=worker)
        assert sorted(dead(low)) == ["long-1", "long-2"]

        # Sent back while the limit is still low: dead-lettered again, nothing stored.
        again = requeue(low, "--article", "long-1")
        assert again.returncode == 0, again.stderr
        assert f"requeued to {low.topic_articles}" in again.stdout
        assert "1 original sent back" in again.stdout
        wait_for(lambda: len(dead(low)) == 3, 60, message="long-1 dead-lettered again")
        assert stored(store, "long-1", "long-2") == set()
    finally:
        worker.stop()

    mended = low.model_copy(update={"max_body_chars": 200_000})
    worker = spawn_worker(mended, OUTPUT / "dlq-requeue-mended.log")
    try:
        # long-1's first dead letter went back already (its failure is the second one):
        # the store recorded it, and only the second goes now.
        out = requeue(mended, "--article", "long-1", "--json")
        assert out.returncode == 0, out.stderr
        sent = [json.loads(text) for text in out.stdout.splitlines()]
        assert [(d["article_id"], d["requeued_to"]) for d in sent] == [
            ("long-1", None),
            ("long-1", low.topic_articles),
        ]
        assert sent[0]["kept"].startswith(f"sent back to {low.topic_articles} already")
        wait_for(lambda: stored(store, "long-1"), 120, message="long-1 stored", worker=worker)
        assert stored(store, "long-2") == set()  # not chosen

        everything = requeue(mended, "--reason", "body_too_large")
        assert everything.returncode == 0, everything.stderr
        assert "1 original sent back, 2 kept" in everything.stdout
        wait_for(lambda: stored(store, "long-2"), 120, message="long-2 stored", worker=worker)

        # Asked again, both of long-1's go back once more: a replay, stored once.
        forced = requeue(mended, "--article", "long-1", "--again")
        assert forced.returncode == 0, forced.stderr
        assert "2 originals sent back" in forced.stdout
        wait_for(lambda: store.count_articles() == 3, 30, message="three articles")
        assert len(dead(mended)) == 3  # no dead letter came since the limit was raised

        # The listing says where and when each went back.
        listing = dlq(mended, "--json")
        assert listing.returncode == 0, listing.stderr
        letters = [json.loads(text) for text in listing.stdout.splitlines()]
        assert [d["requeued_to"] for d in letters] == [low.topic_articles] * 3
        assert all(d["requeued_at"] for d in letters)
        assert "sent back to" in dlq(mended).stdout
    finally:
        worker.stop()
