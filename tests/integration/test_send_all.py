"""`agents.base.send_all` on a real broker: the agents' one way out. Every message arrives,
in order, with its key; a message too large for the producer is raised at once (its
caller dead-letters it) instead of being retried for ever."""

from __future__ import annotations

import asyncio
import uuid

import faust
import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from agents.base import _too_large, send_all
from tests.support.workers import consume_records


def test_send_all_delivers_in_order_and_raises_what_is_too_large(kafka_servers: str) -> None:
    name = f"send-all-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_servers)
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    admin.close()
    sent = [(f"key-{n}".encode(), f"value-{n}".encode()) for n in range(50)]

    async def send() -> BaseException:
        app = faust.App(
            name,
            broker=f"kafka://{kafka_servers}",
            producer_max_request_size=20_000,
            key_serializer="raw",
            value_serializer="raw",
        )
        topic = app.topic(name, partitions=1)
        try:
            await send_all([(topic, key, value) for key, value in sent])
            with pytest.raises(Exception) as raised:
                await asyncio.wait_for(send_all([(topic, b"big", b"x" * 50_000)]), 30)
            return raised.value
        finally:
            await app.producer.stop()

    assert _too_large(asyncio.run(send()))
    received = consume_records(kafka_servers, name, idle_s=5.0)
    assert [(message.key, message.value) for message in received] == sent
