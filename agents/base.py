"""What every agent shares: sending with retry, dead letters, acknowledgement, and the
one batch loop (take a batch, process it with isolation, dead-letter what failed alone,
acknowledge only then)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import faust
from aiokafka.errors import MessageSizeTooLargeError, RecordTooLargeError
from faust.types import EventT

from pipeline.backoff import backoff
from pipeline.runtime.isolation import Failed, isolate
from pipeline.settings import Settings
from schemas.messages import DeadLetter

log = logging.getLogger("wirewatch")
T = TypeVar("T")
Outgoing = tuple[faust.TopicT, bytes | None, bytes]


async def send_all(messages: Iterable[Outgoing]) -> None:
    """Send and wait until the broker has every message: only then may offsets move on.

    What the broker did not take is sent again (keeping its relative order), with backoff,
    for as long as it takes (offsets wait meanwhile). A message too large for the producer
    or the broker is raised at once: it is that message's own fault, and the caller
    dead-letters it."""
    pending = list(messages)
    delays = backoff()
    attempt = 0
    while pending:
        outcomes = await _send(pending)
        failed = [(m, e) for m, e in zip(pending, outcomes, strict=True) if e is not None]
        if not failed:
            return
        for _, error in failed:
            if _too_large(error):
                raise error
        attempt += 1
        delay = next(delays)
        error = failed[0][1]
        log.warning(
            "the broker did not take %d of %d messages (attempt %d, retrying in %.1fs): %s: %s",
            len(failed),
            len(pending),
            attempt,
            delay,
            type(error).__name__,
            error,
        )
        pending = [m for m, _ in failed]
        await asyncio.sleep(delay)


async def _send(messages: list[Outgoing]) -> list[BaseException | None]:
    """Queue the messages in order, then wait for each; None where it was taken.

    Straight to the app's producer, the one `Topic.send` ends in: faust's own path (its
    message futures, callbacks and sensors, none of which wirewatch reads) cost 52 to 65
    us of CPU a message against 11 to 12 (3 KB records, one process; every article is
    sent three times on its way through)."""
    futures: list[Awaitable[object] | BaseException] = []
    for topic, key, value in messages:
        # A topic of one partition leaves the partitioner nothing to choose, and its hash
        # of the key (murmur2, in Python: 5 to 8 us a message) was 1.5 % of the events
        # worker, which sends its outbox keyed by event.
        partition = 0 if topic.partitions == 1 else None
        try:
            producer = await topic.app.maybe_start_producer()
            futures.append(
                await producer.send(topic.get_topic_name(), key, value, partition, None, None)
            )
        except Exception as exc:
            futures.append(exc)
    outcomes: list[BaseException | None] = []
    for future in futures:
        if isinstance(future, BaseException):
            outcomes.append(future)
            continue
        try:
            await future
            outcomes.append(None)
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _too_large(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MessageSizeTooLargeError | RecordTooLargeError):
            return True
        error = error.__cause__
    return False


async def patiently(what: str, work: Callable[[], Awaitable[T]]) -> T:
    """Await `work` until it succeeds: for what no single message is to blame for, such
    as rebuilding an index from the store. Loud in the log, never fatal."""
    delays = backoff()
    while True:
        try:
            return await work()
        except Exception as exc:
            delay = next(delays)
            log.error(
                "%s failed (retrying in %.1fs): %s: %s",
                what,
                delay,
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            await asyncio.sleep(delay)


def dead_letters(dlq: faust.TopicT, failures: list[Failed[EventT]]) -> list[Outgoing]:
    """Messages that failed on their own, as DLQ records with reason `processing_error`."""
    received_at = datetime.now(UTC)
    return [
        (
            dlq,
            None,
            DeadLetter.of(
                f.item.message.value or b"",
                "processing_error",
                f.detail,
                topic=f.item.message.topic,
                partition=f.item.message.partition,
                offset=f.item.message.offset,
                received_at=received_at,
            )
            .model_dump_json()
            .encode(),
        )
        for f in failures
    ]


async def ack_all(stream: faust.StreamT, events: Iterable[EventT]) -> None:
    for event in events:
        await stream.ack(event)


def produced_at(event: EventT) -> datetime:
    timestamp = event.message.timestamp
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else datetime.now(UTC)


async def run_batches(
    stream: faust.StreamT,
    dlq: faust.TopicT,
    process: Callable[[Sequence[EventT]], Awaitable[None]],
    settings: Settings,
    reset: Callable[[], None] | None = None,
) -> None:
    """The loop of the batch agents: batches of up to `batch_max` within `batch_wait_s`;
    offsets move only once a batch's effects are durable and what failed on its own is
    on the dead-letter topic."""
    async for events in stream.noack_take(settings.batch_max, within=settings.batch_wait_s):
        failed = await isolate(events, process, reset)
        await send_all(dead_letters(dlq, failed))
        await ack_all(stream, events)
