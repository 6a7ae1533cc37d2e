"""pipeline/runtime/isolation.py: one bad message costs only itself
(tests/integration/test_hostile_pipeline.py shows it in a real worker with a database
that refuses one row)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from pipeline.runtime.isolation import isolate


class Recorder:
    def __init__(self, bad: set[int]) -> None:
        self.bad = bad
        self.done: list[int] = []
        self.calls: list[list[int]] = []
        self.resets = 0

    async def process(self, items: Sequence[int]) -> None:
        self.calls.append(list(items))
        if self.bad & set(items):
            raise ValueError(f"cannot take {sorted(self.bad & set(items))}")
        self.done.extend(items)

    def reset(self) -> None:
        self.resets += 1


def test_a_good_batch_is_processed_once() -> None:
    recorder = Recorder(bad=set())
    assert asyncio.run(isolate([1, 2, 3], recorder.process, recorder.reset)) == []
    assert recorder.calls == [[1, 2, 3]] and recorder.resets == 0


def test_a_bad_message_fails_alone_and_the_others_go_through() -> None:
    recorder = Recorder(bad={2, 4})
    failed = asyncio.run(isolate([1, 2, 3, 4, 5], recorder.process, recorder.reset))
    assert [f.item for f in failed] == [2, 4]
    assert all(f.detail.startswith("ValueError: cannot take") for f in failed)
    assert recorder.done == [1, 3, 5]
    # Reset after the batch failed, and after each message that failed alone.
    assert recorder.resets == 3


def test_cancellation_is_not_a_processing_error() -> None:
    async def cancelled(items: Sequence[int]) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(isolate([1], cancelled))
