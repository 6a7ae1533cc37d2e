"""`wirewatch ingest`: put a JSON Lines feed on the input topic, one line per message.

Lines are sent as they are: the pipeline validates them and routes bad ones to the DLQ,
so what reaches the DLQ is what the producer really wrote. One kind of bad line is
handled here, because it cannot be sent at all: a line over the message size limit
(`WIREWATCH_MAX_MESSAGE_BYTES`) goes straight to the dead-letter topic as a
`message_too_large` dead letter naming its line, with its first bytes. Ingest never
stops at a line: every bad one is reported with its number, and the rest is sent.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pipeline.errors import BrokerError
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from schemas.messages import DeadLetter


@dataclass
class IngestReport:
    """What became of the feed's lines; `notes` names each line not sent as it is."""

    sent: int = 0
    dead_lettered: int = 0
    blank: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)


def article_key(line: bytes) -> bytes | None:
    """The article id as message key, when the line has one; None leaves it to the broker."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    key = data.get("id") if isinstance(data, dict) else None
    return key.encode() if isinstance(key, str) and key else None


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    for raw in stream:
        yield raw.rstrip(b"\r\n")


def too_large(settings: Settings, line: bytes, number: int, feed: str) -> DeadLetter:
    """The dead letter of a line over the message size limit, which is never sent."""
    return DeadLetter.of(
        line,
        "message_too_large",
        f"line {number} of {feed}: {len(line):,} bytes, over the limit of "
        f"{settings.max_message_bytes:,} (WIREWATCH_MAX_MESSAGE_BYTES); not sent to the "
        f"topic {settings.topic_articles}",
        topic=settings.topic_articles,
        received_at=datetime.now(UTC),
    )


def ingest(settings: Settings, path: Path | str, *, show_progress: bool = True) -> IngestReport:
    ensure_topics(settings)
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_servers.split(","),
        acks="all",
        linger_ms=10,
        # A dead letter keeps at most 512 KiB of its original (base64: a third more).
        max_request_size=2 * max(settings.max_message_bytes, DeadLetter.MAX_ORIGINAL) + 100_000,
        client_id=f"{settings.app_id}-ingest",
    )
    from_stdin = str(path) == "-"
    feed = "stdin" if from_stdin else Path(path).name
    size = 0 if from_stdin else Path(path).stat().st_size
    report = IngestReport()
    pending: list[tuple[int, bool, FutureRecordMetadata]] = []  # (line, dead letter?, send)
    progress = Progress(
        TextColumn("ingest"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[sent]} messages"),
        TimeRemainingColumn(),
        disable=not show_progress,
        transient=False,
    )
    stream = sys.stdin.buffer if from_stdin else open(path, "rb")  # noqa: SIM115
    try:
        with progress:
            task = progress.add_task("ingest", total=size or None, sent=0)
            for number, line in enumerate(_lines(stream), start=1):
                progress.advance(task, len(line) + 1)
                if not line.strip():
                    report.blank += 1
                    continue
                dead = len(line) > settings.max_message_bytes
                if dead:
                    letter = too_large(settings, line, number, feed)
                    topic, key, value = settings.topic_dlq, None, letter.model_dump_json().encode()
                    report.notes.append(
                        f"line {number}: {len(line):,} bytes, over the limit of "
                        f"{settings.max_message_bytes:,}: dead-lettered to {settings.topic_dlq} "
                        "(message_too_large)"
                    )
                else:
                    topic, key, value = settings.topic_articles, article_key(line), line
                try:
                    pending.append((number, dead, producer.send(topic, key=key, value=value)))
                except KafkaError as exc:
                    report.failed += 1
                    report.notes.append(f"line {number}: not sent: {type(exc).__name__}: {exc}")
                progress.update(task, sent=len(pending))
            producer.flush()
        for number, dead, future in pending:
            try:
                future.get(timeout=30)
            except KafkaError as exc:
                report.failed += 1
                report.notes.append(f"line {number}: the broker did not take it: {exc}")
                continue
            if dead:
                report.dead_lettered += 1
            else:
                report.sent += 1
    except KafkaError as exc:
        raise BrokerError(f"producing to {settings.kafka_servers} failed: {exc}") from exc
    finally:
        if not from_stdin:
            stream.close()
        producer.close()
    return report
