"""Articles with vectors chosen by the test, placed by the real event stage (the index
of parts, the grouping, the regrouping after each batch) on an in-memory store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from pipeline.events.index import Assignment, ClusterConfig, EventIndex
from pipeline.events.stage import EventStage
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import Embedded

WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class Report:
    """A test's article: its id, vector, time and text."""

    article_id: str
    vector: np.ndarray
    published_at: datetime
    title: str | None = None
    body: str = ""

    def embedded(self) -> Embedded:
        article = Article(
            id=self.article_id,
            source=f"{self.article_id}.example",
            body=self.body,
            title=self.title or None,
            published_at=self.published_at,
            received_at=self.published_at,
        )
        vector = self.vector / np.linalg.norm(self.vector)
        return Embedded(
            article=article, produced_at=self.published_at, embedding=Embedded.pack(vector)
        )


@dataclass
class Desk:
    """An event stage on an in-memory store, fed batch by batch."""

    config: ClusterConfig = field(default_factory=ClusterConfig)
    store: Store = field(default_factory=lambda: Store("sqlite://"))

    def __post_init__(self) -> None:
        self.store.create_schema()
        self.stage = EventStage(self.store, EventIndex(self.config), window=WINDOW)
        self.stage.load()

    def place(self, reports: Sequence[Report]) -> list[Assignment]:
        """One batch, as the events agent places it: plan, save, settle, save."""
        now = max(r.published_at for r in reports)
        plan = self.stage.plan([r.embedded() for r in reports], now)
        self.stage.save(plan)
        self.stage.save(self.stage.settle(now))
        return plan.assignments

    def events(self) -> dict[str, str]:
        """article id -> its event now."""
        return {a: p.event_id for a, p in self.store.article_placements().items()}


def placed(reports: Sequence[Report], config: ClusterConfig | None = None) -> dict[str, str]:
    """Where each report ends up, placed one batch each."""
    desk = Desk(config or ClusterConfig())
    for report in reports:
        desk.place([report])
    return desk.events()
