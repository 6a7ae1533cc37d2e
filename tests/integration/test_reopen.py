"""A closed event is reopened, not doubled (issue 12): through the event stage and the
store, `kind: reopened` on its update, and again after a restart, when the closed event
comes back from the store (within the lookback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.events.index import ClusterConfig, EventIndex
from pipeline.events.stage import EventStage
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import Embedded

T0 = datetime(2025, 11, 2, 8, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)
STORM = [
    "Storm Ciaran makes landfall in Cornwall with gusts of 100 mph, the Met Office said.",
    "Ciaran: Cornwall and Devon count the damage as the Met Office keeps its amber warning.",
    "Five days after Storm Ciaran, Met Office warns of more rain for Cornwall and Devon.",
]
VECTOR = np.array([0.9, 0.3, 0.1, 0.3], dtype=np.float32)


def _embedded(article_id: str, hours: float, body: str) -> Embedded:
    vector = VECTOR / np.linalg.norm(VECTOR)
    published = T0 + timedelta(hours=hours)
    article = Article(
        id=article_id,
        source=f"{article_id}.example",
        body=body,
        title=None,
        published_at=published,
        received_at=published,
    )
    return Embedded(article=article, produced_at=published, embedding=Embedded.pack(vector))


def _stage(store: Store) -> EventStage:
    index = EventIndex(ClusterConfig(reopen_lookback_h=168))
    stage = EventStage(store, index, window=WINDOW)
    stage.load()
    return stage


def _place(stage: EventStage, item: Embedded) -> tuple[str, str]:
    plan = stage.plan([item], item.article.published_at)
    stage.save(plan)
    update = plan.changes[0].update
    return update.event_id, update.kind


def test_a_later_article_reopens_the_closed_event() -> None:
    store = Store("sqlite://")
    store.create_schema()
    stage = _stage(store)
    opened, kind = _place(stage, _embedded("s0", 0, STORM[0]))
    assert kind == "created"
    assert _place(stage, _embedded("s1", 3, STORM[1]))[0] == opened
    # Four days later the event has closed (72 h without an article) ...
    event_id, kind = _place(stage, _embedded("s2", 100, STORM[2]))
    assert (event_id, kind) == (opened, "reopened")
    assert stage.live_events >= 1
    stored = {e["event_id"]: e for e in store.event_clusters()}
    assert list(stored) == [opened] and stored[opened]["article_count"] == 3


def test_a_restarted_stage_finds_the_closed_event_in_the_store() -> None:
    store = Store("sqlite://")
    store.create_schema()
    first = _stage(store)
    opened, _ = _place(first, _embedded("s0", 0, STORM[0]))
    _place(first, _embedded("s1", 3, STORM[1]))
    # Something else keeps the stream going, and the first event closes.
    _place(first, _embedded("other", 90, "Unrelated: the council approved its budget."))
    restarted = _stage(store)  # a new worker: the state comes from the store
    assert restarted.index.open_events == 1  # "other" is open, the storm is closed ...
    assert opened in restarted.index  # ... but can still be reopened
    event_id, kind = _place(restarted, _embedded("s2", 100, STORM[2]))
    assert (event_id, kind) == (opened, "reopened")
