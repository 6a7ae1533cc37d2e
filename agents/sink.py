"""Stage 3, the single writer: place each article in an event, write the batch to the
store in one transaction, then publish its event updates and alerts."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.types import EventT

from agents import ack_all, dead_letters, patiently, send_all
from pipeline import metrics
from pipeline.app import Services, Topics, now
from pipeline.isolation import isolate
from schemas.messages import Embedded


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
        stage = await patiently("rebuilding the event index", services.event_stage)
        batch = [Embedded.model_validate_json(e.message.value) for e in events]
        plan = await services.durably(stage.plan, batch, now())
        await services.durably(stage.save, plan)
        await publish_outbox()
        metrics.observe_events(plan)

    def reset() -> None:
        # A failed plan or write may have left the event index ahead of the store.
        services.stale.add("events")

    @app.agent(topics.embedded, name="sink")
    async def sink(stream: faust.StreamT) -> None:
        await patiently("rebuilding the event index", services.event_stage)
        await patiently("publishing the outbox", publish_outbox)
        async for events in stream.noack_take(settings.batch_max, within=settings.batch_wait_s):
            failed = await isolate(events, process, reset)
            await send_all(dead_letters(topics.dlq, failed))
            await ack_all(stream, events)
