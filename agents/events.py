"""Stage 3, the events agent, single writer of events: place each article in an event,
write the batch to the store in one transaction, then publish its event updates and
alerts."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.types import EventT

from agents.base import patiently, run_batches, send_all
from pipeline.runtime import metrics
from pipeline.runtime.services import Services, Topics, now
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

    # Named "sink" on the wire (its consumer offsets and faust's internal names), as
    # before the agent was called after what it does: a running deployment keeps them.
    @app.agent(topics.embedded, name="sink")
    async def events(stream: faust.StreamT) -> None:
        await patiently("rebuilding the event index", services.event_stage)
        await patiently("publishing the outbox", publish_outbox)
        await run_batches(stream, topics.dlq, process, settings, reset)
