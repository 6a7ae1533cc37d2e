"""The terminal table of `wirewatch events`: feed text shown as it is, and an untitled
article shown by its first sentence rather than its id."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from rich.console import Console

from pipeline.cli.present import print_events
from pipeline.events.index import EventIndex
from pipeline.events.stage import EventStage
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import Embedded

pytestmark = pytest.mark.postgres
T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)


def _embedded(id: str, title: str | None, body: str) -> Embedded:
    article = Article(
        id=id, source=f"[b]{id}[/b]", title=title, body=body, published_at=T0, received_at=T0
    )
    vector = np.array([1.0, 0.0], dtype=np.float32)
    return Embedded(article=article, produced_at=T0, embedding=Embedded.pack(vector))


def test_untitled_articles_show_their_first_sentence(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    stage = EventStage(store, EventIndex())
    batch = [
        _embedded("titled", "[VIDEO] Le Kremlin parle", "Texte. Suite."),
        _embedded("untitled", None, "Moscou a répondu mardi. " + "Suite du texte. " * 200),
    ]
    stage.save(stage.plan(batch, T0))

    clusters = store.event_clusters()
    by_id = {a["id"]: a for a in clusters[0]["articles"]}
    assert by_id["untitled"]["lead"] == "Moscou a répondu mardi."
    assert by_id["titled"]["lead"] is None

    console = Console(record=True, width=200)
    print_events(clusters, console)
    shown = console.export_text()
    assert "[VIDEO] Le Kremlin parle" in shown  # not taken for markup
    assert "[b]titled[/b]" in shown
    assert "Moscou a répondu mardi." in shown
    assert "untitled" not in shown.replace("[b]untitled[/b]", "")  # the id is not shown
    store.close()
