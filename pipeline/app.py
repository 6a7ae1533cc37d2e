"""The faust app, its topics, and the services the agents share. The only module of
`pipeline` that imports faust."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import faust
from faust.types import TP

from pipeline.clustering import ClusterConfig, EventIndex
from pipeline.dedup import DedupConfig, NearDuplicateIndex
from pipeline.dedup_stage import DedupStage
from pipeline.encoder import Encoder, load_encoder
from pipeline.errors import StoreUnavailable
from pipeline.event_stage import EventStage
from pipeline.fingerprint import FingerprintConfig, Fingerprinter
from pipeline.lanes import lane_plan
from pipeline.metrics import TimedEncoder, exposition, observe_lag
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.topic_watch import TopicWatch
from pipeline.validate import Limits
from schemas.messages import DeadLetter

log = logging.getLogger("wirewatch")
T = TypeVar("T")


@dataclass
class Topics:
    articles: faust.TopicT
    dlq: faust.TopicT
    deduped: faust.TopicT
    embedded: faust.TopicT
    updates: faust.TopicT
    alerts: faust.TopicT


def build_dedup_stage(settings: Settings, store: Store) -> DedupStage:
    fingerprints = FingerprintConfig(settings.shingle_size, settings.num_perm, settings.lead_words)
    index = NearDuplicateIndex(
        DedupConfig(
            num_perm=settings.num_perm,
            dup_jaccard=settings.dup_jaccard,
            dup_containment=settings.dup_containment,
        )
    )
    limits = Limits(
        settings.max_message_bytes,
        settings.max_body_chars,
        timedelta(seconds=settings.max_future_s),
    )
    return DedupStage(
        store,
        index,
        Fingerprinter(fingerprints),
        limits=limits,
        window=timedelta(seconds=settings.live_window_s),
    )


def build_event_stage(settings: Settings, store: Store, encoder: Encoder | None) -> EventStage:
    index = EventIndex(
        ClusterConfig(
            threshold=settings.event_threshold,
            lexical_weight=settings.event_lexical_weight,
            time_weight=settings.event_time_weight,
            time_scale_h=settings.event_time_scale_h,
            candidates=settings.event_candidates,
        )
    )
    return EventStage(
        store,
        index,
        window=timedelta(seconds=settings.live_window_s),
        encoder=encoder,
        embed_max_chars=settings.embed_max_chars,
    )


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
    model_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="wirewatch-model")
    )
    _encoder_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
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
        delay = 0.5
        attempt = 0
        while True:
            try:
                return await self.in_db(work, *args)
            except StoreUnavailable as exc:
                attempt += 1
                log.warning(
                    "store unavailable (attempt %d, retrying in %.1fs): %s", attempt, delay, exc
                )
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, 30.0)

    async def get_encoder(self) -> Encoder:
        async with self._encoder_lock:
            if self.encoder is None:
                self.encoder = await self._load_encoder()
        return self.encoder

    async def _load_encoder(self) -> Encoder:
        log.info("loading the model %r", self.settings.model)
        _, threads = lane_plan(self.settings)
        encoder = await self.in_model(
            partial(
                load_encoder,
                self.settings.model,
                batch_size=self.settings.embed_batch_size,
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
                self.lanes = [first] + [await self._load_encoder() for _ in range(count - 1)]
                self.lane_pool = ThreadPoolExecutor(count, thread_name_prefix="wirewatch-lane")
        return self.lanes

    async def in_lane(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.lane_pool, work, *args)

    async def dedup_stage(self) -> DedupStage:
        if self.dedup is None or "dedup" in self.stale:
            self.stale.discard("dedup")
            stage = build_dedup_stage(self.settings, self.store)
            loaded = await self.durably(stage.load)
            log.info("dedup index rebuilt from the store: %d articles in the live window", loaded)
            self.dedup = stage
        return self.dedup

    async def event_stage(self) -> EventStage:
        if self.events is None or "events" in self.stale:
            self.stale.discard("events")
            stage = build_event_stage(self.settings, self.store, await self.get_encoder())
            loaded = await self.durably(stage.load)
            log.info("event index rebuilt from the store: %d live events", loaded)
            self.events = stage
        return self.events


def now() -> datetime:
    return datetime.now(UTC)


def _shorter_fetch_wait(max_wait_ms: int) -> None:
    """faust hard-codes a 1.5 s fetch wait for its consumer. A broker that answers a fetch
    only when that wait is over (the embedded Tansu does, for aiokafka) then adds up to
    1.5 s at every stage (measured: 0.4 to 0.8 s a hop; 50 ms with 100 ms). Kafka answers
    as soon as data comes, where a shorter wait costs only a few empty fetches."""
    from faust.transport.drivers import aiokafka as driver

    thread = driver.AIOKafkaConsumerThread
    original = getattr(thread, "_wirewatch_original_create", thread._create_worker_consumer)

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = max_wait_ms  # read by aiokafka when it starts
        return consumer

    thread._wirewatch_original_create = original  # type: ignore[attr-defined]
    thread._create_worker_consumer = create  # type: ignore[method-assign]


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    topic_watch: TopicWatch | None = None,
) -> tuple[faust.App, Services]:
    """The app and its services. A `topic_watch` is run every `topic_watch_s` seconds
    (`wirewatch run` gives one that restarts the worker when the broker lost its topics)."""
    # A dead letter carries up to DeadLetter.MAX_ORIGINAL bytes of the original, base64.
    largest_record = 2 * max(settings.max_message_bytes, DeadLetter.MAX_ORIGINAL) + 100_000
    _shorter_fetch_wait(settings.fetch_max_wait_ms)
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka_servers.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.work_partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(0.5, settings.session_timeout_s / 5),
        broker_rebalance_timeout=max(settings.session_timeout_s, 10.0),
        broker_commit_interval=1.0,
        producer_max_request_size=largest_record,
        consumer_max_fetch_size=largest_record,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_in_thread=False,
    )
    topics = Topics(
        articles=app.topic(settings.topic_articles, partitions=settings.articles_partitions),
        dlq=app.topic(settings.topic_dlq, partitions=1),
        deduped=app.topic(settings.topic_deduped, partitions=settings.work_partitions),
        embedded=app.topic(settings.topic_embedded, partitions=1),
        updates=app.topic(settings.topic_updates, partitions=settings.output_partitions),
        alerts=app.topic(settings.topic_alerts, partitions=settings.output_partitions),
    )
    services = Services(settings, store or Store(settings.database))

    @app.on_partitions_assigned.connect
    async def _reload_single_writers(app: faust.App, assigned: set[TP], **_: Any) -> None:
        # A stage that (re)gains its input partition must start again from the store:
        # another worker may have written since this one last held it. faust passes the
        # whole new assignment, so a stage kept across a rebalance is rebuilt too.
        topics_assigned = {tp.topic for tp in assigned}
        held = []
        if settings.topic_articles in topics_assigned:
            services.stale.add("dedup")
            held.append("dedup")
        if settings.topic_embedded in topics_assigned:
            services.stale.add("events")
            held.append("events")
        log.info(
            "assigned %d partitions; single writers here: %s",
            len(assigned),
            ", ".join(held) or "none",
        )

    @app.page("/metrics")
    async def _metrics(web: Any, request: Any) -> Any:
        observe_lag(
            app.consumer.assignment(), app.monitor.tp_end_offsets, app.monitor.tp_committed_offsets
        )
        body, content_type = exposition()
        return web.bytes(body, headers={"Content-Type": content_type})

    if topic_watch is not None and settings.topic_watch_s > 0:

        @app.timer(settings.topic_watch_s)
        async def _watch_topics() -> None:
            lost = await asyncio.to_thread(topic_watch.lost)
            if lost:
                topic_watch.on_lost(lost)

    from agents import cluster, dedup, notify, sink

    dedup.attach(app, topics, services)
    cluster.attach(app, topics, services)
    sink.attach(app, topics, services)
    notify.attach(app, topics, services)
    return app, services
