"""Stage 3, the events agent, single writer of events: place each article in an event,
write the batch to the store in one transaction, then publish its event updates and
alerts. It also applies the desk's corrections (merge, move, split, pin), read from the
corrections topic, to the same event stage, one at a time between batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import faust
from faust.types import EventT

from agents.base import patiently, run_batches, send_all
from pipeline.runtime import metrics
from pipeline.runtime.services import Services, Topics, now
from schemas.messages import Correction, DeadLetter, Embedded


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings

    async def publish_outbox() -> None:
        # Written first, published second: a crash in between publishes again on start,
        # with the same update and alert ids, which consumers use to drop repeats.
        while True:
            outbox = await services.durably(services.store.pending_outbox)
            if not outbox:
                return
            await send_all(
                [(topics.updates, key.encode(), value.encode()) for key, value in outbox.updates]
                + [(topics.alerts, key.encode(), value.encode()) for key, value in outbox.alerts]
            )
            await services.durably(services.store.mark_published, outbox)

    async def process(events: Sequence[EventT]) -> None:
        batch = [Embedded.model_validate_json(e.message.value) for e in events]
        async with services.events_lock:
            stage = await patiently("rebuilding the event index", services.event_stage)
            plan = await services.durably(stage.plan, batch, now())
            await services.durably(stage.save, plan)
            # The neighbourhoods of parts that grew are clustered again once the batch is
            # stored; parts that belong elsewhere now move, in a transaction of their own.
            settled = await services.durably(stage.settle, now())
            await services.durably(stage.save, settled)
            plan.regrouped = settled.regrouped
            await publish_outbox()
        metrics.observe_events(plan)

    async def correct(events: Sequence[EventT]) -> None:
        for event in events:
            correction = Correction.model_validate_json(event.message.value)
            async with services.events_lock:
                stage = await patiently("rebuilding the event index", services.event_stage)
                plan = await services.durably(stage.apply, correction, now())
                await services.durably(stage.save, plan)
                await publish_outbox()
            metrics.observe_correction(correction.action, plan)
            if plan.rejected:
                # Recorded as rejected (the CLI reads why), and dead-lettered like any
                # message the pipeline could not take.
                await send_all([(topics.dlq, None, _rejected(event, plan.rejected))])

    def reset() -> None:
        # A failed plan or write may have left the event index ahead of the store.
        services.stale.add("events")

    # Named "sink" on the wire (its consumer offsets and faust's internal names), as
    # before the agent was called after what it does: a running deployment keeps them.
    @app.agent(topics.embedded, name="sink")
    async def events(stream: faust.StreamT) -> None:
        # The event index is rebuilt and what an earlier run left in the outbox published
        # at once, but beside the stream, not before it: a batch that comes meanwhile waits
        # for the lock, held, so a long rebuild or a store away at start is not taken for
        # a consumer that stopped reading (pipeline/kafka/stall.py).
        starting = asyncio.ensure_future(start_up())
        try:
            await run_batches(stream, topics.dlq, process, settings, reset)
        finally:
            starting.cancel()

    async def start_up() -> None:
        async with services.events_lock:  # the corrections agent may be building it too
            await patiently("rebuilding the event index", services.event_stage)
            await patiently("publishing the outbox", publish_outbox)

    @app.agent(topics.corrections, name="corrections")
    async def corrections(stream: faust.StreamT) -> None:
        await run_batches(stream, topics.dlq, correct, settings, reset)


def _rejected(event: EventT, reason: str) -> bytes:
    return (
        DeadLetter.of(
            event.message.value or b"",
            "correction_rejected",
            reason,
            topic=event.message.topic,
            partition=event.message.partition,
            offset=event.message.offset,
            received_at=datetime.now(UTC),
        )
        .model_dump_json()
        .encode()
    )
