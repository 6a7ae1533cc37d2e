"""Stage 1: validate, fingerprint and look up near-duplicates; bad input to the DLQ."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.types import EventT

from agents.base import patiently, produced_at, run_batches, send_all
from pipeline.dedup import Incoming
from pipeline.runtime import metrics
from pipeline.runtime.services import Services, Topics, now


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings

    async def process(events: Sequence[EventT]) -> None:
        stage = await patiently("rebuilding the dedup index", services.dedup_stage)
        batch = [
            Incoming(
                e.message.value or b"",
                produced_at(e),
                e.message.topic,
                e.message.partition,
                e.message.offset,
            )
            for e in events
        ]
        plan = await services.durably(stage.plan, batch, now())
        await services.durably(stage.save, plan)
        await send_all(
            [(topics.dlq, None, d.model_dump_json().encode()) for d in plan.dead]
            # Keyed by the canonical article: a copy follows its original through the
            # same partition, so it reaches the event stage after it.
            + [
                (
                    topics.deduped,
                    (f.duplicate_of or f.article.id).encode(),
                    f.model_dump_json().encode(),
                )
                for f in plan.forward
            ]
        )
        metrics.observe_dedup(plan)

    def reset() -> None:
        # A failed plan may have left the index ahead of the store: rebuild it.
        services.stale.add("dedup")

    @app.agent(topics.articles, name="dedup")
    async def dedup(stream: faust.StreamT) -> None:
        await run_batches(stream, topics.dlq, process, settings, reset)
