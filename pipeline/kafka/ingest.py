"""`wirewatch ingest`: put a JSON Lines feed on the input topic, one line per message.

Lines are sent as they are: the pipeline validates them and routes bad ones to the DLQ,
so what reaches the DLQ is what the producer really wrote.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kafka import KafkaProducer
from kafka.errors import KafkaError
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pipeline.errors import BrokerError
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings


@dataclass(frozen=True)
class IngestReport:
    sent: int
    failed: int
    blank: int


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


def ingest(settings: Settings, path: Path | str, *, show_progress: bool = True) -> IngestReport:
    ensure_topics(settings)
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_servers.split(","),
        acks="all",
        linger_ms=10,
        max_request_size=2 * settings.max_message_bytes + 100_000,
        client_id=f"{settings.app_id}-ingest",
    )
    from_stdin = str(path) == "-"
    size = 0 if from_stdin else Path(path).stat().st_size
    sent = failed = blank = 0
    futures = []
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
            for line in _lines(stream):
                progress.advance(task, len(line) + 1)
                if not line.strip():
                    blank += 1
                    continue
                futures.append(
                    producer.send(settings.topic_articles, key=article_key(line), value=line)
                )
                sent += 1
                progress.update(task, sent=sent)
            producer.flush()
        for future in futures:
            try:
                future.get(timeout=30)
            except KafkaError:
                failed += 1
    except KafkaError as exc:
        raise BrokerError(f"producing to {settings.kafka_servers} failed: {exc}") from exc
    finally:
        if not from_stdin:
            stream.close()
        producer.close()
    return IngestReport(sent - failed, failed, blank)
