"""The Kafka client's repeated connection errors: one a minute, saying how many were
left out; everything else untouched."""

from __future__ import annotations

import logging

from pipeline.logs import RepeatLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_repeats_of_a_kafka_client_line_pass_once_a_minute() -> None:
    clock = Clock()
    limiter = RepeatLimiter(interval_s=60.0, clock=clock)
    template = "Unable connect to node with id %s: %s"
    passed = []
    for second in range(120):  # two minutes of a dead broker, 40 lines a second
        clock.now = float(second)
        for _ in range(40):
            r = record("aiokafka.client", template, 1, "refused")
            if limiter.filter(r):
                passed.append(r)
    assert len(passed) == 2
    assert not hasattr(passed[0], "suppressed")
    assert passed[1].suppressed == 60 * 40 - 1


def test_other_lines_and_other_loggers_pass() -> None:
    limiter = RepeatLimiter(clock=Clock())
    assert limiter.filter(record("aiokafka.client", "Unable connect to node %s", 1))
    assert limiter.filter(record("aiokafka.conn", "Unable connect to node %s", 1))
    assert limiter.filter(record("aiokafka.client", "another message"))
    assert all(limiter.filter(record("wirewatch.dashboard", "same line")) for _ in range(5))
    assert all(limiter.filter(record("kafkaesque", "same line")) for _ in range(5))
