"""The stall watch on a real faust consumer and the real broker: a consumer that stops
handing a partition's records to its stream is noticed; one that is caught up, whose
agent is busy before it takes what was fetched for it, or whose agent holds a message for
longer than the stall time (back-pressure), is not. The rule look by look:
tests/unit/kafka/test_stall.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import faust
import pytest
from aiokafka import AIOKafkaProducer
from faust.types import TP
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.kafka.stall import Stall, StallWatch
from pipeline.settings import Settings

pytestmark = [pytest.mark.broker]

STALL_S = 2.0


async def watch_for(watch: StallWatch, app: faust.App, seconds: float) -> list[Stall]:
    """Every stall the watch reports over `seconds`, looking as often as a worker does."""
    reported: list[Stall] = []
    watch.on_stall = reported.extend
    topics = {tp.topic for tp in app.consumer.assignment()}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await watch.check(app.consumer, app.rebalancing, topics)
        await asyncio.sleep(watch.interval_s)
    return reported


async def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def scenario(servers: str, datadir: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    topic, slow_topic = f"stall-{tag}", f"stall-slow-{tag}"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(topic, 1, 1), NewTopic(slow_topic, 1, 1)])
    admin.close()
    app = faust.App(
        f"stall-{tag}",
        broker=f"kafka://{servers}",
        value_serializer="raw",
        web_enabled=False,
        datadir=datadir,
        broker_commit_interval=0.2,
    )
    done: list[bytes] = []
    slow_done: list[bytes] = []
    slow_ready = asyncio.Event()

    @app.agent(app.topic(topic, partitions=1))
    async def read(stream: faust.StreamT) -> None:
        async for value in stream:
            if value == b"hold":  # an agent blocked on its store, say: it holds the message
                await asyncio.sleep(3 * STALL_S)
            done.append(value)

    @app.agent(app.topic(slow_topic, partitions=1))
    async def start_slowly(stream: faust.StreamT) -> None:
        await slow_ready.wait()  # busy before it takes anything: rebuilding an index, say
        async for value in stream:
            slow_done.append(value)

    settings = Settings(bootstrap_servers=servers, app_id=f"stall-{tag}", stall_s=STALL_S)
    watch = StallWatch(settings, on_stall=print)
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await app.start()
    await producer.start()
    try:

        async def send(name: str, *values: bytes) -> None:
            for value in values:
                await producer.send_and_wait(name, value)

        def committed(name: str) -> int | None:
            return app.consumer._committed_offset.get(TP(name, 0))

        await send(topic, b"1", b"2", b"3")
        await send(slow_topic, b"a", b"b")
        await until(lambda: committed(topic) == 3, 60, "the first records read and committed")
        # One partition caught up; the other's records handed to an agent not taking yet.
        assert await watch_for(watch, app, 2.5 * STALL_S) == [], "caught up, or busy"
        assert slow_done == []
        slow_ready.set()
        await until(lambda: committed(slow_topic) == 2, 60, "the slow agent's records")

        await send(topic, b"hold", b"4", b"5")
        await until(lambda: len(done) == 3 and app.consumer._unacked_messages, 30, "the hold")
        assert await watch_for(watch, app, 2.5 * STALL_S) == [], "back-pressure"
        await until(lambda: committed(topic) == 6, 60, "the held records read and committed")

        # faust stops handing this partition's records to its stream (what
        # faust-streaming/faust#629 does to fetching, one step earlier).
        app.consumer.pause_partitions({TP(topic, 0)})
        await send(topic, b"6", b"7")
        stalls = await watch_for(watch, app, 4 * STALL_S)
        assert stalls, "a consumer that stopped reading went unnoticed"
        assert {(s.partition, s.offset, s.waiting) for s in stalls} == {((topic, 0), 6, 2)}
        # What /metrics shows (wirewatch_partition_unread_seconds).
        assert watch.unread[(topic, 0)] >= STALL_S
        assert watch.unread[(slow_topic, 0)] == 0.0
        assert done == [b"1", b"2", b"3", b"hold", b"4", b"5"]
        assert slow_done == [b"a", b"b"]
    finally:
        watch.close()
        await producer.stop()
        await app.stop()


def test_a_consumer_that_stops_reading_is_noticed_and_a_busy_one_is_not(
    kafka_servers: str, tmp_path: Path
) -> None:
    asyncio.run(asyncio.wait_for(scenario(kafka_servers, tmp_path / "faust"), 180))
