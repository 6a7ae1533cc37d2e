"""A copy that reaches the event stage before its original (a broker that reordered
messages, or an original that was dead-lettered) keeps the link the dedup stage found,
and its original joins it when it comes, also after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.embedding.encoder import HashingEncoder, embedding_text
from pipeline.events.index import EventIndex
from pipeline.events.stage import EventStage
from pipeline.store.store import Store
from schemas.article import Article
from schemas.messages import Embedded

NOW = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)
BODY = (
    "Floodwater rose through the lower town overnight after the river burst its banks; "
    "the mayor ordered the evacuation of four streets near the old bridge."
)
ENCODER = HashingEncoder()


def embedded(
    article_id: str, body: str, minutes: int, duplicate_of: str | None = None, embed: bool = True
) -> Embedded:
    article = Article(
        id=article_id,
        source=f"{article_id}.example",
        body=body,
        title=None,
        published_at=NOW + timedelta(minutes=minutes),
        received_at=NOW,
    )
    vector = ENCODER.encode([embedding_text(None, body)])[0]
    return Embedded(
        article=article,
        duplicate_of=duplicate_of,
        dup_similarity=0.9,
        produced_at=NOW,
        embedding=Embedded.pack(vector) if embed else None,
    )


def stage(store: Store) -> EventStage:
    events = EventStage(store, EventIndex(), encoder=ENCODER)
    events.load()
    return events


def test_a_copy_before_its_original_keeps_its_link() -> None:
    store = Store("sqlite://")
    store.create_schema()
    first = stage(store)
    # The copy arrives first, unembedded (the cluster stage skips copies).
    plan = first.plan([embedded("copy", "PARIS (Agence) - " + BODY, 5, "orig", embed=False)], NOW)
    first.save(plan)
    assert plan.placed[0].duplicate_of == "orig"
    # Then its original: it joins the copy's event.
    plan = first.plan([embedded("orig", BODY, 0)], NOW)
    first.save(plan)
    assert plan.placed[0].event_id == first._event_of["copy"]
    # After a restart, another copy of the original finds the same event.
    second = stage(store)
    plan = second.plan([embedded("copy-2", BODY + " More soon.", 9, "orig", embed=False)], NOW)
    second.save(plan)
    clusters = store.event_clusters()
    assert len(clusters) == 1
    links = {a["id"]: a["duplicate_of"] for a in clusters[0]["articles"]}
    assert links == {"orig": None, "copy": "orig", "copy-2": "orig"}
    assert clusters[0]["canonical_article_id"] == "orig"  # the first published
