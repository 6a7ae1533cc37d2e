"""Send a few records to one of wirewatch's topics and wait until the broker has them:
for the desk's corrections (the CLI, the dashboard), which are one message at a time."""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline.errors import BrokerError
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings


def send_records(
    settings: Settings, topic: str, records: list[tuple[bytes | None, bytes]], timeout_s: float = 30
) -> None:
    """Create the topics if need be, send the (key, value) records, wait for each."""
    ensure_topics(settings)
    try:
        producer = KafkaProducer(
            bootstrap_servers=settings.kafka_servers.split(","),
            acks="all",
            client_id=f"{settings.app_id}-desk",
        )
        try:
            futures = [producer.send(topic, key=key, value=value) for key, value in records]
            producer.flush(timeout=timeout_s)
            for future in futures:
                future.get(timeout=timeout_s)
        finally:
            producer.close()
    except KafkaError as exc:
        raise BrokerError(f"sending to {topic} on {settings.kafka_servers} failed: {exc}") from exc
