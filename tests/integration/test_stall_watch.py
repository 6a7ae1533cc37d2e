"""The stall watch on a real faust consumer and the real broker: a consumer that stops
fetching a partition is noticed; one that is caught up, or whose agent holds a message for
longer than the stall time (back-pressure), is not. The rule look by look:
tests/unit/kafka/test_stall.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import faust
import pytest
from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.kafka.stall import Stall, StallWatch
from pipeline.settings import Settings

pytestmark = [pytest.mark.broker]

STALL_S = 2.0


async def watch_for(watch: StallWatch, app: faust.App, topic: str, seconds: float) -> list[Stall]:
    """Every stall the watch reports over `seconds`, looking as often as a worker does."""
    reported: list[Stall] = []
    watch.on_stall = reported.extend
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await watch.check(app.consumer, app.rebalancing, {topic})
        await asyncio.sleep(watch.interval_s)
    return reported


async def until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def scenario(servers: str, datadir: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    topic = f"stall-{tag}"
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(topic, 1, 1)])
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

    @app.agent(app.topic(topic, partitions=1))
    async def read(stream: faust.StreamT) -> None:
        async for value in stream:
            if value == b"hold":  # an agent blocked on its store, say: it holds the message
                await asyncio.sleep(3 * STALL_S)
            done.append(value)

    settings = Settings(bootstrap_servers=servers, app_id=f"stall-{tag}", stall_s=STALL_S)
    watch = StallWatch(settings, on_stall=print)
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await app.start()
    await producer.start()
    try:

        async def send(*values: bytes) -> None:
            for value in values:
                await producer.send_and_wait(topic, value)

        def committed() -> int | None:
            return next(iter(app.consumer._committed_offset.values()), None)

        await send(b"1", b"2", b"3")
        await until(lambda: committed() == 3, 60, "the first records read and committed")
        assert await watch_for(watch, app, topic, 3 * STALL_S) == [], "caught up"

        await send(b"hold", b"4", b"5")
        await until(lambda: len(done) == 3 and app.consumer._unacked_messages, 30, "the hold")
        assert await watch_for(watch, app, topic, 2.5 * STALL_S) == [], "back-pressure"
        await until(lambda: committed() == 6, 60, "the held records read and committed")

        # What faust-streaming/faust#629 does to a partition: no more fetch requests.
        app.consumer.pause_partitions(app.consumer.assignment())
        await send(b"6", b"7")
        stalls = await watch_for(watch, app, topic, 4 * STALL_S)
        assert stalls, "a consumer that stopped fetching went unnoticed"
        assert {(s.partition, s.offset, s.waiting) for s in stalls} == {((topic, 0), 6, 2)}
        assert done == [b"1", b"2", b"3", b"hold", b"4", b"5"]
    finally:
        watch.close()
        await producer.stop()
        await app.stop()


def test_a_consumer_that_stops_fetching_is_noticed_and_back_pressure_is_not(
    kafka_servers: str, tmp_path: Path
) -> None:
    asyncio.run(asyncio.wait_for(scenario(kafka_servers, tmp_path / "faust"), 180))
