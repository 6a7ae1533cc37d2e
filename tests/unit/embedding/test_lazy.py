"""An events-only worker loads its model at its first use, not at start
(pipeline/embedding/lazy.py, `Services`)."""

from __future__ import annotations

import asyncio

import numpy as np

from pipeline.embedding import HashingEncoder, LazyEncoder
from pipeline.runtime.services import Services
from pipeline.settings import Settings
from pipeline.store import Store


def test_the_model_is_loaded_once_at_its_first_use() -> None:
    loads: list[int] = []

    def load() -> HashingEncoder:
        loads.append(1)
        return HashingEncoder(64)

    lazy = LazyEncoder("hashing", load)
    assert not lazy.loaded and loads == []
    first = lazy.encode(["Putin and Trump spoke by telephone"])
    again = lazy.encode(["Putin and Trump spoke by telephone"])
    assert loads == [1] and lazy.loaded
    assert first.shape == (1, 64) and np.array_equal(first, again)
    assert lazy.dimension == 64 and lazy.name == "hashing"


def test_only_a_worker_without_the_embedding_stage_waits() -> None:
    async def stage_encoder(stages: str) -> object:
        store = Store("sqlite://")
        store.create_schema()
        try:
            services = Services(Settings(model="hashing", stages=stages), store)
            return (await services.event_stage()).encoder
        finally:
            store.close()

    waiting = asyncio.run(stage_encoder("events"))
    assert isinstance(waiting, LazyEncoder) and not waiting.loaded
    assert waiting.encode(["a text"]).shape[0] == 1 and waiting.loaded
    assert not isinstance(asyncio.run(stage_encoder("dedup,embed,events")), LazyEncoder)
