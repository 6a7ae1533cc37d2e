"""Stage 2: embed the unique articles in batches. Stateless: it scales out over the
partitions of the deduped topic. Copies pass through without being embedded."""

from __future__ import annotations

import faust

from agents import ack_all, send_all
from pipeline.app import Services, Topics
from pipeline.embed_stage import read_batch, with_embeddings


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings

    @app.agent(topics.deduped, name="cluster")
    async def cluster(stream: faust.StreamT) -> None:
        encoder = await services.get_encoder()
        async for events in stream.noack_take(
            settings.embed_batch_size, within=settings.batch_wait_s
        ):
            values = [e.message.value for e in events]
            batch = read_batch(values, settings.embed_max_chars)
            vectors = await services.in_model(encoder.encode, batch.texts)
            out = with_embeddings(values, batch, vectors)
            await send_all(
                [(topics.embedded, key, value) for key, value in zip(batch.keys, out, strict=True)]
            )
            await ack_all(stream, events)
