"""The faust app of a worker: its topics (from the one topic table), its services, the
partition-assignment hook that rebuilds the single writers, /metrics, the topic watch,
and the agents it is given to attach."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import faust
from faust.types import TP

from pipeline.kafka.stall import StallWatch
from pipeline.kafka.topics import topic_specs
from pipeline.kafka.watch import TopicWatch
from pipeline.runtime.metrics import exposition, observe_lag, observe_unread
from pipeline.runtime.services import Services, Topics
from pipeline.settings import Settings
from pipeline.store import Store
from schemas.messages import DeadLetter

log = logging.getLogger("wirewatch")


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


Attach = Callable[[faust.App, Topics, Services], None]  # an agent module's `attach`


def create_app(
    settings: Settings,
    store: Store | None = None,
    *,
    agents: Sequence[Attach] = (),
    topic_watch: TopicWatch | None = None,
    stall_watch: StallWatch | None = None,
) -> tuple[faust.App, Services]:
    """The app, its topics and services, with the given agents attached. A `topic_watch`
    is run every `topic_watch_s` seconds, a `stall_watch` every few (`wirewatch run` gives
    ones that restart the worker when the broker lost its topics, or when its consumer
    stopped reading)."""
    # A dead letter carries up to DeadLetter.MAX_ORIGINAL bytes of the original, base64.
    largest_record = 2 * max(settings.max_message_bytes, DeadLetter.MAX_ORIGINAL) + 100_000
    _shorter_fetch_wait(settings.fetch_max_wait_ms)
    # faust makes a data directory at start (for tables, which wirewatch has none of): by
    # default `<app id>-data` in the working directory. Under the state directory instead;
    # faust makes only its last level.
    datadir = settings.state_path / "faust" / settings.app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
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
        producer_max_batch_size=settings.producer_batch_bytes,
        consumer_max_fetch_size=largest_record,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_in_thread=False,
        datadir=datadir,
    )
    specs = topic_specs(settings)
    topics = Topics(**{s.role: app.topic(s.name, partitions=s.partitions) for s in specs})
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
        if topics_assigned & {settings.topic_embedded, settings.topic_corrections}:
            services.stale.add("events")
            held.append("events")
        if settings.topic_corrections in topics_assigned:
            held.append("corrections")  # with events: faust keeps them together
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

    if stall_watch is not None and settings.stall_s > 0:
        names = {spec.name for spec in specs}

        @app.timer(stall_watch.interval_s)
        async def _watch_stalls() -> None:
            await stall_watch.check(app.consumer, app.rebalancing, names)
            observe_unread(stall_watch.unread)

    for attach in agents:
        attach(app, topics, services)
    return app, services
