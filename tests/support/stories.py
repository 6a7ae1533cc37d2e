"""Two stories as the event stage would tell them, update by update: a quake that four
articles (one a wire copy) from three sources report, and a flood with one article. The
dashboard's board and hub are both checked on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.events.tracker import EventState, record
from pipeline.store import EventRow, UpdateRow, Writes
from schemas.article import Article
from schemas.messages import EventUpdate

T0 = datetime(2025, 7, 3, 10, 0, tzinfo=UTC)


def article(article_id: str, source: str, minutes: int, title: str | None = None) -> Article:
    at = T0 + timedelta(minutes=minutes)
    return Article(
        id=article_id,
        source=source,
        body="text",
        title=title or article_id,
        published_at=at,
        received_at=at,
    )


def story(event_id: str, *items: tuple[Article, str | None]) -> list[EventUpdate]:
    """The updates the event stage would emit for these articles, in order."""
    first = items[0][0]
    state = EventState.open(event_id, first)
    updates = []
    for n, (a, duplicate_of) in enumerate(items):
        change = record(
            state,
            a,
            created=n == 0,
            duplicate_of=duplicate_of,
            similarity=0.9,
            produced_at=a.published_at,
            now=a.published_at + timedelta(seconds=5),
        )
        updates.append(change.update)
    return updates


QUAKE = story(
    "ev-quake",
    (article("q1", "agency", 0, "Earthquake strikes"), None),
    (article("q2", "paper", 5), "q1"),
    (article("q3", "radio", 9), None),
    (article("q4", "agency", 12), None),
)
FLOOD = story("ev-flood", (article("f1", "tv", 3, "Flood warning"), None))


def outbox_writes(updates: list[EventUpdate]) -> Writes:
    writes = Writes()
    for u in updates:
        writes.events[u.event_id] = EventRow.of(u, u.emitted_at)
        writes.updates.append(UpdateRow.of(u, u.emitted_at, published=True))
    return writes
