"""The dashboard's board: built from event updates, indifferent to repeats and order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.events.tracker import EventState, record
from pipeline.newsroom.board import Board
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


def test_updates_build_the_event() -> None:
    board = Board()
    for update in QUAKE:
        board.apply(update)
    view = board.snapshot()[0]
    assert view["headline"] == "Earthquake strikes"
    assert (view["article_count"], view["duplicate_count"], view["source_count"]) == (4, 1, 3)
    assert [(s["source"], s["first"]) for s in view["sources"]] == [
        ("agency", True),
        ("paper", False),
        ("radio", False),
    ]
    assert [s["first_seen"] for s in view["sources"]] == [
        "2025-07-03T10:00:00Z",
        "2025-07-03T10:05:00Z",
        "2025-07-03T10:09:00Z",
    ]
    # The copy is folded under its original; the timeline is newest first.
    assert [(s["id"], [c["id"] for c in s["copies"]]) for s in view["stories"]] == [
        ("q1", ["q2"]),
        ("q3", []),
        ("q4", []),
    ]
    assert [t["kind"] for t in view["timeline"]] == [
        "article_added",
        "source_joined",
        "source_joined",
        "created",
    ]


def test_a_repeated_update_changes_nothing() -> None:
    board = Board()
    for update in QUAKE:
        assert board.apply(update) is not None
    before = board.snapshot()
    for update in QUAKE:
        assert board.apply(update) is None
    assert board.snapshot() == before


def test_an_older_update_arriving_late_does_not_roll_the_event_back() -> None:
    in_order, shuffled = Board(), Board()
    for update in QUAKE:
        in_order.apply(update)
    for update in [QUAKE[0], QUAKE[3], QUAKE[1], QUAKE[2]]:
        shuffled.apply(update)
    assert shuffled.snapshot() == in_order.snapshot()


def test_events_are_ordered_by_latest_activity() -> None:
    board = Board()
    for update in [QUAKE[0], FLOOD[0]]:
        board.apply(update)
    assert [e["event_id"] for e in board.snapshot()] == ["ev-flood", "ev-quake"]
    board.apply(QUAKE[1])  # the quake moves again: back to the top
    assert [e["event_id"] for e in board.snapshot()] == ["ev-quake", "ev-flood"]


def test_the_least_active_event_leaves_a_full_board() -> None:
    board = Board(max_events=1)
    board.apply(QUAKE[0])
    board.apply(FLOOD[0])
    assert [e["event_id"] for e in board.snapshot()] == ["ev-flood"]
    # A later update of the dropped event needs its history from the store first.
    assert board.needs_history(QUAKE[1])
    assert not board.needs_history(FLOOD[0])


def test_timeline_is_capped_but_counts_stay_whole() -> None:
    board = Board(max_timeline=2)
    for update in QUAKE:
        board.apply(update)
    view = board.snapshot()[0]
    assert len(view["timeline"]) == 2
    assert view["article_count"] == 4
    assert len(view["stories"]) == 3
