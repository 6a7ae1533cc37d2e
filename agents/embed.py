"""Stage 2, the embed agent: embed the unique articles in batches. Stateless: it scales out over the
partitions of the deduped topic. Copies pass through without being embedded.

Batches go to the worker's model lanes side by side (the next batch is taken while
earlier ones are embedded); their results are sent and acknowledged in input order, so
a copy still reaches the event stage after its original. A batch is counted in texts to
embed, not in messages: with half the feed copies, batches of `embed_batch_size` messages
gave the model half-size batches (a few percent of the speed end to end)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import faust
from faust.types import EventT

from agents.base import ack_all, dead_letters, send_all
from pipeline.embedding import Encoder, embedding_runs, read_batch, with_embeddings
from pipeline.runtime.isolation import isolate
from pipeline.runtime.services import Services, Topics

# Messages taken at once, in batches: room for three copies in four messages before a
# batch taken from a backlog falls short of texts.
TAKEN_PER_BATCH = 4


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings

    # Named "cluster" on the wire (its consumer offsets and faust's internal names), as
    # before the agent was called after what it does: a running deployment keeps them.
    @app.agent(topics.deduped, name="cluster")
    async def embed(stream: faust.StreamT) -> None:
        # The model lanes load at once, but not before the stream is read: the first batch
        # waits for them, held, so a slow load is not taken for a consumer that stopped
        # reading (pipeline/kafka/stall.py).
        lanes = asyncio.ensure_future(services.get_lanes())
        free: asyncio.Queue[Encoder] = asyncio.Queue()

        async def embed_and_send(
            encoder: Encoder, events: list[EventT], previous: asyncio.Future[None] | None
        ) -> None:
            embedded: list[tuple[bytes, bytes]] = []

            async def process(part: Sequence[EventT]) -> None:
                values = [e.message.value or b"" for e in part]
                batch = read_batch(values, settings.embed_max_chars)
                vectors = await services.in_lane(encoder.encode, batch.texts)
                embedded.extend(
                    zip(batch.keys, with_embeddings(values, batch, vectors), strict=True)
                )

            try:
                failed = await isolate(events, process)
            finally:
                free.put_nowait(encoder)
            if previous is not None:
                await previous  # in input order; a failure before this one stops it too
            await send_all(
                [(topics.embedded, key, value) for key, value in embedded]
                + dead_letters(topics.dlq, failed)
            )
            await ack_all(stream, events)

        size = settings.embed_batch_size
        previous: asyncio.Future[None] | None = None
        async for taken in stream.noack_take(size * TAKEN_PER_BATCH, within=settings.batch_wait_s):
            if previous is None:  # the first batch
                for lane in await lanes:
                    free.put_nowait(lane)
            for run in embedding_runs([e.message.value or b"" for e in taken], size):
                if previous is not None and previous.done():
                    previous.result()  # a failed batch stops the agent, nothing acked past it
                encoder = await free.get()  # at most one batch in flight per lane
                events = list(taken[run.start : run.stop])
                previous = asyncio.ensure_future(embed_and_send(encoder, events, previous))
        if previous is not None:
            await previous
