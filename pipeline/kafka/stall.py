"""Notice a consumer that has stopped reading partitions it holds.

faust-streaming can leave a partition unfetched after a rebalance: no error, no fetch
request, the records wait on the broker while the worker idles (faust-streaming/faust#629;
faust itself only logs "Aiokafka has not sent fetch request ..."). The board then goes
stale at 3 a.m. with nothing in the log an editor would see. The watch looks, every few
seconds, at each partition this worker holds: records after its committed offset, none of
them handed to the worker's streams, that offset unchanged for `stall_s`, and the consumer
holding no message at all (at this look and the one before), is a consumer that has
stopped reading. The worker then restarts in place (`pipeline.runtime.restart`), which
rejoins the group and loses nothing.

What is not a stall: back-pressure (an agent blocked on its store or its webhook holds its
batch, and faust stops fetching once its buffers are full), and records handed to a stream
whose agent has not taken them yet (faust counts a message as held only once the agent
takes it; its read offset has moved past the committed one). A restart would cure
neither. The agents' long work at start (rebuilding an index from the store, loading a
model) runs beside their stream, and their first batch waits for it, held.

The end offsets come from the broker (ListOffsets): a consumer that stopped fetching also
stops learning them. The embedded Tansu answers with one past the first record of a
partition's last batch, not its end: there, records waiting inside the last batch are
seen only once another batch arrives (never a false stall: it counts fewer, not more).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.settings import Settings

log = logging.getLogger("wirewatch")

Partition = tuple[str, int]  # (topic, partition): faust's TP and aiokafka's both compare so


@dataclass(frozen=True)
class Look:
    """One look at a consumer: where each partition it holds stands."""

    committed: Mapping[Partition, int | None]  # next offset to read; None: none committed
    # faust's read offset: the last record handed to a stream, or right after a seek the
    # offset sought (the committed one); past the committed offset, something was handed.
    read: Mapping[Partition, int | None]
    first: Mapping[Partition, int]  # the broker's first offset of each (where None starts)
    end: Mapping[Partition, int]  # the broker's end offset of each (one past the last record)
    in_hand: int  # messages the consumer has handed to its agents and not yet acknowledged


@dataclass(frozen=True)
class Stall:
    partition: Partition
    offset: int  # where it stands
    waiting: int  # records after it
    for_s: float  # how long it has not moved


@dataclass
class StallDetector:
    """Pure: fed a `Look` every few seconds, says which partitions have stalled."""

    stall_s: float
    _since: dict[Partition, tuple[int, float]] = field(default_factory=dict)
    _was_idle: bool = False

    def reset(self) -> None:
        """Forget what was seen (a rebalance moves partitions and offsets)."""
        self._since.clear()
        self._was_idle = False

    def unread_for(self, now: float, held: Collection[Partition]) -> dict[Partition, float]:
        """Seconds each of these partitions has had records waiting, none handed to its
        stream and its offset unmoved, as of the last look (0 for one being read)."""
        return {p: now - self._since[p][1] if p in self._since else 0.0 for p in held}

    def observe(self, now: float, look: Look) -> list[Stall]:
        idle = look.in_hand == 0
        stalls = []
        for partition in list(self._since):
            if partition not in look.committed:  # no longer held
                del self._since[partition]
        for partition, committed in look.committed.items():
            offset = committed if committed is not None else look.first.get(partition, 0)
            waiting = look.end.get(partition, offset) - offset
            read = look.read.get(partition)
            # Caught up (or the broker did not say), or handed to a stream: being read.
            if waiting <= 0 or (read is not None and read > offset):
                self._since.pop(partition, None)
                continue
            seen = self._since.get(partition)
            if seen is None or seen[0] != offset:  # new, or it moved: the clock starts again
                self._since[partition] = (offset, now)
                continue
            for_s = now - seen[1]
            if for_s >= self.stall_s and idle and self._was_idle:
                stalls.append(Stall(partition, offset, waiting, for_s))
        self._was_idle = idle
        return stalls


def describe(stalls: Collection[Stall]) -> str:
    return "; ".join(
        f"{topic}[{number}] at offset {s.offset}, {s.waiting} records waiting, "
        f"not read for {s.for_s:.0f}s"
        for s in stalls
        for topic, number in [s.partition]
    )


class BrokerOffsets:
    """The first and end offsets of partitions, asked of the broker directly (a consumer
    that stopped fetching also stops learning them). Blocking: run it in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: KafkaConsumer | None = None

    def of(
        self, partitions: Collection[Partition]
    ) -> tuple[dict[Partition, int], dict[Partition, int]]:
        """(first, end) by partition; empty maps when the broker does not answer."""
        if not partitions:
            return {}, {}
        wanted = [TopicPartition(topic, number) for topic, number in partitions]
        try:
            if self._client is None:
                self._client = KafkaConsumer(
                    bootstrap_servers=self.settings.kafka_servers.split(","),
                    client_id=f"{self.settings.app_id}-stall-watch",
                    enable_auto_commit=False,
                    request_timeout_ms=5000,
                )
            first = self._client.beginning_offsets(wanted)
            end = self._client.end_offsets(wanted)
        except (KafkaError, OSError) as exc:
            log.debug("stall watch: the broker does not answer: %s", exc)
            self.close()
            return {}, {}
        return _plain(first), _plain(end)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # a client of a dead broker may not close
                client.close()


def _plain(offsets: Mapping[TopicPartition, int]) -> dict[Partition, int]:
    return {(tp.topic, tp.partition): offset for tp, offset in offsets.items()}


def faust_look(consumer: Any, topics: Collection[str]) -> Look:
    """What a faust consumer holds of these topics: committed and read offsets, and the
    messages handed out unacknowledged (the broker's offsets left empty). faust-streaming
    (0.11 to 0.15) keeps them in attributes of its `Consumer`, as its own livelock check
    reads them; read on the event loop's thread."""
    committed, read = consumer._committed_offset, consumer._read_offset  # .get adds nothing
    held = [(tp, (tp.topic, tp.partition)) for tp in consumer.assignment() if tp.topic in topics]
    return Look(
        {p: committed.get(tp) for tp, p in held},
        {p: read.get(tp) for tp, p in held},
        {},
        {},
        len(consumer._unacked_messages),
    )


class StallWatch:
    """The watch of one worker: `check` it every `interval_s`; `on_stall(stalls)` is what
    to do then (`wirewatch run` restarts the worker)."""

    def __init__(self, settings: Settings, on_stall: Callable[[list[Stall]], None]) -> None:
        self.detector = StallDetector(settings.stall_s)
        self.offsets = BrokerOffsets(settings)
        self.on_stall = on_stall
        self.unread: dict[Partition, float] = {}  # `StallDetector.unread_for`, last look
        # Often enough that a stall is acted on soon after stall_s; rarely enough that the
        # broker is not asked much (two small requests a look).
        self.interval_s = min(10.0, max(1.0, settings.stall_s / 12))

    async def check(self, consumer: Any, rebalancing: bool, topics: Collection[str]) -> None:
        if rebalancing:
            self.detector.reset()
            self.unread = {}
            return
        look = faust_look(consumer, topics)
        first, end = await asyncio.to_thread(self.offsets.of, list(look.committed))
        look = replace(look, first=first, end=end)
        now = time.monotonic()
        stalls = self.detector.observe(now, look)
        self.unread = self.detector.unread_for(now, look.committed)
        if stalls:
            self.on_stall(stalls)

    def close(self) -> None:
        self.offsets.close()
