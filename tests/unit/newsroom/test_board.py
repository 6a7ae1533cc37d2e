"""The dashboard's board: built from event updates, indifferent to repeats and order."""

from __future__ import annotations

from pipeline.newsroom.board import Board
from tests.support.stories import FLOOD, QUAKE


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
