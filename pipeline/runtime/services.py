"""What the agents of one worker share: the settings, the store, the stages (rebuilt from
the store when this worker gains their partition), the encoders and the threads that
keep blocking work off the event loop; and the worker's topics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import faust

from pipeline.backoff import backoff
from pipeline.dedup import DedupStage
from pipeline.embedding import (
    Encoder,
    LazyEncoder,
    ProcessEncoder,
    lane_plan,
    load_encoder,
    runs_in_processes,
)
from pipeline.errors import StoreUnavailable
from pipeline.events import EventStage
from pipeline.runtime.cores import unpin
from pipeline.runtime.metrics import TimedEncoder
from pipeline.settings import Settings
from pipeline.stages import build_dedup_stage, build_event_stage
from pipeline.store import Store

log = logging.getLogger("wirewatch")
T = TypeVar("T")


@dataclass
class Topics:
    """The worker's faust topics, one per role of `pipeline.kafka.topic_specs`."""

    articles: faust.TopicT
    dlq: faust.TopicT
    deduped: faust.TopicT
    embedded: faust.TopicT
    corrections: faust.TopicT
    updates: faust.TopicT
    alerts: faust.TopicT


@dataclass
class Services:
    """What the agents share in one worker process. The stages are rebuilt from the store
    whenever this worker is (re)assigned their input partition."""

    settings: Settings
    store: Store
    dedup: DedupStage | None = None
    events: EventStage | None = None
    encoder: Encoder | None = None
    stale: set[str] = field(default_factory=lambda: {"dedup", "events"})
    # SQLite wants one writer thread; the model gets its own so the event loop stays free.
    db_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="wirewatch-db")
    )
    # The model's threads may use every core, where the worker is pinned (cores.py): the
    # model is the limit of the profiles that run it in threads (MiniLM, its ONNX form).
    model_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            1, thread_name_prefix="wirewatch-model", initializer=unpin
        )
    )
    _encoder_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The event stage's batches and the desk's corrections, one after the other.
    events_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Model lanes (issue 7, see lanes.py): encoders that embed batches side by side.
    lanes: list[Encoder] = field(default_factory=list)
    lane_pool: ThreadPoolExecutor | None = None

    async def in_db(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, work, *args)

    async def in_model(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.model_pool, work, *args)

    async def durably(self, work: Callable[..., T], *args: Any) -> T:
        """Run store work, retrying with capped exponential backoff while the store is away.
        Offsets are not committed meanwhile, so nothing is lost and the stream just waits."""
        delays = backoff()
        attempt = 0
        while True:
            try:
                return await self.in_db(work, *args)
            except StoreUnavailable as exc:
                attempt += 1
                delay = next(delays)
                log.warning(
                    "store unavailable (attempt %d, retrying in %.1fs): %s", attempt, delay, exc
                )
                await asyncio.sleep(delay)

    async def _stage_encoder(self) -> Encoder:
        """The event stage's encoder (for a copy whose original it does not know): the
        lanes' first where this worker embeds, else one loaded at its first use."""
        if "embed" in self.settings.stage_set:
            return await self.get_encoder()
        if self.encoder is None:
            settings = self.settings
            self.encoder = LazyEncoder(
                settings.model,
                partial(
                    load_encoder, settings.model, batch_size=settings.embed_batch_size, threads=1
                ),
            )
        return self.encoder

    async def get_encoder(self) -> Encoder:
        async with self._encoder_lock:
            if self.encoder is None:
                self.encoder = await self._load_encoder()
        return self.encoder

    async def _load_encoder(self, lane: int = 1) -> Encoder:
        settings = self.settings
        count, threads = lane_plan(settings)
        in_process = runs_in_processes(settings.model, settings.embed_processes)
        log.info(
            "loading the model %r (lane %d of %d%s)",
            settings.model,
            lane,
            count,
            ", in a process of its own" if in_process else "",
        )
        encoder = await self.in_model(
            partial(
                ProcessEncoder if in_process else load_encoder,
                settings.model,
                batch_size=settings.embed_batch_size,
                threads=threads,
            )
        )
        return TimedEncoder(encoder)  # batch times for /metrics

    async def get_lanes(self) -> list[Encoder]:
        """One encoder per lane (the first is `get_encoder()`'s)."""
        first = await self.get_encoder()
        async with self._encoder_lock:
            if not self.lanes:
                count, _ = lane_plan(self.settings)
                self.lanes = [first] + [await self._load_encoder(n) for n in range(2, count + 1)]
                self.lane_pool = ThreadPoolExecutor(
                    count, thread_name_prefix="wirewatch-lane", initializer=unpin
                )
        return self.lanes

    async def in_lane(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.lane_pool, work, *args)

    async def dedup_stage(self) -> DedupStage:
        if self.dedup is None or "dedup" in self.stale:
            self.dedup = await self._rebuilt("dedup", self._rebuilt_dedup_stage)
        return self.dedup

    async def event_stage(self) -> EventStage:
        if self.events is None or "events" in self.stale:
            self.events = await self._rebuilt("events", self._rebuilt_event_stage)
        return self.events

    async def _rebuilt(self, name: str, rebuild: Callable[[], Awaitable[T]]) -> T:
        """A stage rebuilt from the store. One whose rebuild fails stays stale: the next
        batch tries again instead of running on the stage it was to replace."""
        self.stale.discard(name)
        try:
            return await rebuild()
        except BaseException:
            self.stale.add(name)
            raise

    async def _rebuilt_dedup_stage(self) -> DedupStage:
        stage = build_dedup_stage(self.settings, self.store)
        loaded = await self.durably(stage.load)
        log.info("dedup index rebuilt from the store: %d articles in the live window", loaded)
        return stage

    async def _rebuilt_event_stage(self) -> EventStage:
        stage = build_event_stage(self.settings, self.store, await self._stage_encoder())
        loaded = await self.durably(stage.load)
        log.info("event index rebuilt from the store: %d live events", loaded)
        if stage.grouping.due:
            # A stop came between a batch's write and the regroup of the parts it grew:
            # they are weighed now, before anything else, as they would have been.
            due = len(stage.grouping.due)
            settled = await self.durably(stage.settle, now())
            await self.durably(stage.save, settled)
            log.info(
                "%d parts grown before the stop weighed again: %d moved", due, settled.regrouped
            )
        return stage


def now() -> datetime:
    return datetime.now(UTC)
