"""The stall detector's rule, look by look (a consumer that really stops reading, on the
real broker: tests/integration/test_stall_watch.py)."""

from __future__ import annotations

from pipeline.kafka.stall import Look, StallDetector, describe

P = ("articles", 0)
Q = ("ww.embedded", 0)


def look(
    committed: int | None, end: int, in_hand: int = 0, first: int = 0, read: int | None = None
) -> Look:
    """One partition, P; by default read up to what is committed (right after a seek)."""
    return Look(
        {P: committed}, {P: committed if read is None else read}, {P: first}, {P: end}, in_hand
    )


def watch(detector: StallDetector, looks: list[tuple[float, Look]]) -> list[list[str]]:
    return [[describe([s]) for s in detector.observe(at, seen)] for at, seen in looks]


def test_records_waiting_unread_for_the_stall_time_with_nothing_in_hand_is_a_stall() -> None:
    seen = watch(StallDetector(30), [(0, look(5, 9)), (20, look(5, 9)), (30, look(5, 9))])
    assert seen == [[], [], ["articles[0] at offset 5, 4 records waiting, not read for 30s"]]


def test_a_partition_that_moves_starts_the_clock_again() -> None:
    detector = StallDetector(30)
    looks = [(0, look(5, 9)), (25, look(6, 12)), (50, look(6, 12)), (55, look(6, 12))]
    moved = "articles[0] at offset 6, 6 records waiting, not read for 30s"
    assert watch(detector, looks) == [[], [], [], [moved]]


def test_a_caught_up_partition_is_never_stalled() -> None:
    detector = StallDetector(30)
    assert watch(detector, [(t, look(9, 9)) for t in (0, 40, 80, 120)]) == [[]] * 4


def test_messages_in_hand_are_back_pressure_not_a_stall() -> None:
    # An agent blocked on its store holds its batch; faust then fetches nothing more for
    # any partition of the consumer: the others wait, and a restart would not help.
    detector = StallDetector(30)
    looks = [(t, look(5, 9, in_hand=64)) for t in (0, 40, 80)]
    assert watch(detector, looks) == [[]] * 3


def test_records_handed_to_a_busy_agent_are_not_a_stall() -> None:
    # An agent that has not taken them yet: faust counts a message as held only once it
    # is taken, but its read offset has moved past the committed one.
    detector = StallDetector(30)
    looks = [(t, look(5, 9, read=8)) for t in (0, 40, 80, 120)]
    assert watch(detector, looks) == [[]] * 4


def test_records_fetched_and_never_handed_to_a_stream_are_a_stall() -> None:
    detector = StallDetector(30)
    caught_up_then_stuck = [(t, look(6, 8, read=5)) for t in (0, 20, 40)]
    assert watch(detector, caught_up_then_stuck)[-1] == [
        "articles[0] at offset 6, 2 records waiting, not read for 40s"
    ]


def test_the_consumer_must_have_held_nothing_at_two_looks_in_a_row() -> None:
    # The look right after back-pressure ends: faust may not have fetched yet.
    detector = StallDetector(30)
    looks = [(0, look(5, 9, in_hand=3)), (40, look(5, 9, in_hand=0)), (50, look(5, 9))]
    stalled = "articles[0] at offset 5, 4 records waiting, not read for 50s"
    assert watch(detector, looks) == [[], [], [stalled]]


def test_nothing_committed_yet_counts_from_the_first_offset_on_the_broker() -> None:
    detector = StallDetector(30)
    # Records deleted by retention: the first offset is the end, nothing to read.
    assert watch(detector, [(t, look(None, 7, first=7)) for t in (0, 40, 80)]) == [[]] * 3
    stalled = watch(detector, [(100, look(None, 9, first=7)), (140, look(None, 9, first=7))])
    assert stalled == [[], ["articles[0] at offset 7, 2 records waiting, not read for 40s"]]


def test_a_broker_that_did_not_answer_gives_no_verdict() -> None:
    detector = StallDetector(30)
    assert watch(detector, [(t, Look({P: 5}, {P: 5}, {}, {}, 0)) for t in (0, 40, 80)]) == [[]] * 3


def test_a_partition_given_up_or_a_rebalance_forgets_it() -> None:
    detector = StallDetector(30)
    both = Look({P: 5, Q: 1}, {P: 5, Q: 1}, {P: 0, Q: 0}, {P: 9, Q: 4}, 0)
    only_q = Look({Q: 1}, {Q: 1}, {Q: 0}, {Q: 4}, 0)
    detector.observe(0, both)
    detector.observe(20, only_q)  # P went to another worker
    detector.observe(25, both)  # and came back: its clock starts again
    assert [s.partition for s in detector.observe(40, both)] == [Q]
    detector.reset()
    assert detector.observe(50, both) == []
    assert detector.observe(60, both) == []
    assert {s.partition for s in detector.observe(80, both)} == {P, Q}


def test_how_long_each_partition_has_gone_unread() -> None:
    detector = StallDetector(30)
    both = Look({P: 5, Q: 4}, {P: 5, Q: 4}, {P: 0, Q: 0}, {P: 9, Q: 4}, 0)
    detector.observe(100, both)
    assert detector.unread_for(112, both.committed) == {P: 12.0, Q: 0.0}  # Q is caught up
    only_p = Look({P: 7}, {P: 7}, {P: 0}, {P: 9}, 0)
    detector.observe(120, only_p)  # P moved, Q given up
    assert detector.unread_for(125, only_p.committed) == {P: 5.0}
    detector.reset()
    assert detector.unread_for(130, only_p.committed) == {P: 0.0}  # its clock forgotten
