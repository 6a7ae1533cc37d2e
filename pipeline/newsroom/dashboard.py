"""`wirewatch dashboard`: the live page of the wire desk.

On start the board is built from the store's outbox (the `event_updates` table), then
kept live from the `event-updates` topic; browsers get the whole board, then every
change, over Server-Sent Events (`/api/stream`). The page is plain HTML, CSS and
JavaScript in `pipeline/newsroom/web/`: no build step.

The topic is read without a consumer group: every dashboard must see every partition
(a group would split them between dashboards), and nothing needs committing, since the
state on start comes from the store. The consumer seeks to the end of the topic before
the store is read, so an update is either in the store by then (written before it is
published) or arrives on the topic afterwards; one that does both is dropped by its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from pipeline.backoff import backoff
from pipeline.errors import WirewatchError
from pipeline.kafka.topics import ensure_topics, topic_spec
from pipeline.newsroom.board import Board
from pipeline.newsroom.editing import add_desk_routes
from pipeline.settings import Settings
from pipeline.store import Store, recent_updates, updates_of
from schemas.messages import EventUpdate

log = logging.getLogger("wirewatch.dashboard")

KEEPALIVE_S = 15.0
SUBSCRIBER_BUFFER = 1000  # messages a slow browser may fall behind before it is dropped


def web_root() -> Path:
    return Path(str(resources.files("pipeline.newsroom") / "web"))


def sse(name: str, payload: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


class Hub:
    """The board and the browsers watching it. Runs on one event loop: a browser that
    subscribes gets the board as it is and then every change, with nothing in between."""

    def __init__(self, store: Store, max_events: int) -> None:
        self.store = store
        self.max_events = max_events
        self.board = Board(max_events)
        self.live = False
        self.detail = "connecting to Kafka"
        self._subscribers: set[asyncio.Queue[bytes | None]] = set()

    def status(self) -> dict[str, Any]:
        return {"live": self.live, "detail": self.detail, "events": len(self.board)}

    async def load_from_store(self) -> None:
        updates = await asyncio.to_thread(recent_updates, self.store, self.max_events)
        board = Board(self.max_events)
        board.apply_all(updates)
        self.board = board
        log.info(
            "board loaded from the store", extra={"events": len(board), "updates": len(updates)}
        )
        self._broadcast(self._snapshot())

    async def apply(self, update: EventUpdate) -> None:
        updates = [update]
        if self.board.needs_history(update):
            # An event that fell off the board (or was never on it): its earlier changes
            # are in the store, written before this update was published.
            updates = await asyncio.to_thread(updates_of, self.store, [update.event_id])
            updates.append(update)
        changed = self.board.apply_all(updates)
        view = self.board.get(update.event_id)
        if view is None and update.members == [] and update.article_count == 0:
            # merged into another event, or emptied, by an editor's correction
            payload = {"kind": update.kind, "update_id": update.update_id}
            self._broadcast(sse("removed", {**payload, "event_id": update.event_id}))
            return
        if view is None or update.event_id not in changed:
            return  # a repeat, or an event too old to make the board
        payload = {"kind": update.kind, "update_id": update.update_id, "event": view.as_json()}
        self._broadcast(sse("event", payload))

    def set_status(self, live: bool, detail: str) -> None:
        if (live, detail) != (self.live, self.detail):
            self.live, self.detail = live, detail
            self._broadcast(sse("status", self.status()))

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(SUBSCRIBER_BUFFER)
        queue.put_nowait(self._snapshot())
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._subscribers.discard(queue)

    def close_all(self) -> None:
        for queue in list(self._subscribers):
            self._drop(queue)

    def _snapshot(self) -> bytes:
        return sse(
            "snapshot",
            {
                "status": self.status(),
                "max_events": self.max_events,
                "events": self.board.snapshot(),
            },
        )

    def _broadcast(self, message: bytes) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("dropping a browser that fell behind; it will reconnect")
                self._drop(queue)

    def _drop(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._subscribers.discard(queue)
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                queue.get_nowait()
        queue.put_nowait(None)


async def follow_updates(settings: Settings, hub: Hub) -> None:
    """Keep the board live from the topic; on any broker trouble, start again (and reload
    from the store, which has everything published meanwhile)."""
    delays = backoff(first=1.0)
    updates = topic_spec(settings, "updates")
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_servers.split(","),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            client_id=f"{settings.app_id}-dashboard",
        )
        try:
            await asyncio.to_thread(ensure_topics, settings, [updates])
            await consumer.start()
            partitions = await _partitions(consumer, settings.topic_updates)
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:
                await consumer.position(tp)  # resolve the end offsets now, before the store
            await hub.load_from_store()
            hub.set_status(True, f"live on {settings.topic_updates}")
            log.info(
                "following event updates",
                extra={"topic": settings.topic_updates, "partitions": len(partitions)},
            )
            delays = backoff(first=1.0)
            async for message in consumer:
                try:
                    update = EventUpdate.model_validate_json(message.value or b"")
                except ValidationError as exc:
                    log.warning(
                        "unreadable event update skipped",
                        extra={
                            "partition": message.partition,
                            "offset": message.offset,
                            "error": str(exc).splitlines()[0],
                        },
                    )
                    continue
                await hub.apply(update)
        except asyncio.CancelledError:
            raise
        except (KafkaError, WirewatchError, OSError) as exc:
            delay = next(delays)
            hub.set_status(False, f"Kafka unavailable, retrying: {exc}")
            log.warning(
                "event updates unavailable, retrying",
                extra={"error": str(exc), "retry_in_s": round(delay, 1)},
            )
        except Exception as exc:  # a bug or a store error: say so, and keep trying
            delay = next(delays)
            hub.set_status(False, f"error, retrying: {exc}")
            log.exception("following event updates failed, retrying")
        finally:
            await consumer.stop()
        await asyncio.sleep(delay)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(50):
        await consumer.topics()  # refreshes the metadata
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await asyncio.sleep(0.2)
    raise WirewatchError(f"topic {topic!r} has no partitions")


def create_schema(store: Store, attempts: int = 3) -> None:
    """Create the tables; a worker creating them at the same moment is not an error."""
    for attempt in range(attempts):
        try:
            store.create_schema()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)


# -- the web side ------------------------------------------------------------------------

HUB = web.AppKey("hub", Hub)


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(web_root() / "index.html", headers={"Cache-Control": "no-cache"})


async def events_json(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    return web.json_response({"status": hub.status(), "events": hub.board.snapshot()})


async def health(request: web.Request) -> web.Response:
    return web.json_response(request.app[HUB].status())


async def stream(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # proxies must not hold the stream back
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                message = b": keepalive\n\n"
            if message is None:
                break
            await response.write(message)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        hub.unsubscribe(queue)
    return response


def create_web_app(settings: Settings, store: Store | None = None) -> web.Application:
    store = store or Store(settings.database)
    hub = Hub(store, settings.dashboard_max_events)
    app = web.Application()
    app[HUB] = hub
    app.router.add_get("/", index)
    app.router.add_get("/api/events", events_json)
    app.router.add_get("/api/stream", stream)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static/", web_root())
    add_desk_routes(app, settings, store)  # the editors' corrections (editing.py)

    async def background(app: web.Application) -> AsyncIterator[None]:
        try:
            await asyncio.to_thread(create_schema, store)
            await hub.load_from_store()  # the page has the store's state even with no broker
        except Exception:
            log.exception("cannot read the store yet; the page stays empty until it answers")
        task = asyncio.create_task(follow_updates(settings, hub))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()

    async def close_streams(app: web.Application) -> None:
        hub.close_all()

    app.cleanup_ctx.append(background)
    app.on_shutdown.append(close_streams)
    return app


def run_dashboard(settings: Settings) -> None:
    log.info(
        "dashboard starting",
        extra={
            "url": f"http://{settings.dashboard_host}:{settings.dashboard_port}/",
            "kafka": settings.kafka_servers,
            "topic": settings.topic_updates,
        },
    )
    web.run_app(
        create_web_app(settings),
        host=settings.dashboard_host,
        port=settings.dashboard_port,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
    )
