"""Stage 2: embed the unique articles in batches. Stateless: it scales out over the
partitions of the deduped topic. Copies pass through without being embedded."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.types import EventT

from agents import ack_all, dead_letters, send_all
from pipeline.app import Services, Topics, now
from pipeline.encoder import embedding_text
from pipeline.isolation import isolate
from schemas.messages import Deduped, Embedded


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings

    async def process(events: Sequence[EventT]) -> None:
        encoder = await services.get_encoder()
        items = [Deduped.model_validate_json(e.message.value) for e in events]
        unique = [i for i in items if i.duplicate_of is None]
        texts = [
            embedding_text(i.article.title, i.article.body, settings.embed_max_chars)
            for i in unique
        ]
        vectors = iter(await services.in_model(encoder.encode, texts))
        out = [
            Embedded(
                **i.model_dump(),
                embedding=None if i.duplicate_of else Embedded.pack(next(vectors)),
            )
            for i in items
        ]
        await send_all(
            [(topics.embedded, e.article.id.encode(), e.model_dump_json().encode()) for e in out]
        )

    @app.agent(topics.deduped, name="cluster")
    async def cluster(stream: faust.StreamT) -> None:
        await services.get_encoder()
        async for events in stream.noack_take(
            settings.embed_batch_size, within=settings.batch_wait_s
        ):
            failed = await isolate(events, process)
            await send_all(
                [
                    (topics.dlq, None, d.model_dump_json().encode())
                    for d in dead_letters(failed, now())
                ]
            )
            await ack_all(stream, events)
