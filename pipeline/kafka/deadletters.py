"""Read the dead-letter topic back, from its start: to its end, or following it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from pipeline.errors import BrokerError
from pipeline.kafka.topics import admin_client
from pipeline.settings import Settings
from schemas.messages import DeadLetter


@dataclass(frozen=True)
class DeadLetterRecord:
    """A message of the dead-letter topic: its DeadLetter, or None when it is not one
    (`raw` is then what the topic holds)."""

    partition: int
    offset: int
    raw: bytes
    letter: DeadLetter | None


def read_dead_letters(settings: Settings, *, follow: bool = False) -> Iterator[DeadLetterRecord]:
    """Every message of the dead-letter topic in order; without `follow`, up to the end
    the topic had when reading began."""
    admin_client(settings).close()  # fails fast, and says how, when no broker answers
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_servers.split(","),
            client_id=f"{settings.app_id}-dlq-reader",
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=8 * 1024 * 1024,  # a dead letter is up to ~0.7 MB
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot read {settings.topic_dlq}: {exc}") from exc
    try:
        while not (partitions := _partitions(consumer, settings.topic_dlq)):
            if not follow:
                return  # no dead-letter topic yet: nothing was dead-lettered
            time.sleep(1.0)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while follow or any(consumer.position(p) < ends[p] for p in partitions):
            for part, messages in consumer.poll(timeout_ms=500).items():
                for message in messages:
                    yield DeadLetterRecord(
                        part.partition, message.offset, message.value, _letter(message.value)
                    )
    except KafkaError as exc:
        raise BrokerError(f"reading {settings.topic_dlq} failed: {exc}") from exc
    finally:
        consumer.close()


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]


def _letter(raw: bytes | None) -> DeadLetter | None:
    try:
        return DeadLetter.model_validate_json(raw or b"")
    except ValidationError:
        return None
