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

The Kafka client retries a lost broker by itself, for ever and silently for its user:
so while it reads, the dashboard asks the broker for the topic's end offsets every
PROBE_S. No answer within PROBE_TIMEOUT_S, or offsets behind the dashboard's position
(the topic was recreated: a memory-only broker restarted), and the dashboard says so
(status not live, with the reason), closes the consumer and starts over, at most
RETRY_CAP_S apart: topic created if missing, end offsets, board reloaded from the store,
live again. The client's connection errors are rate-limited in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
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
from pipeline.logs import quiet_kafka_clients
from pipeline.newsroom.board import Board
from pipeline.newsroom.editing import add_desk_routes
from pipeline.settings import Settings
from pipeline.store import Store, recent_updates, updates_of
from schemas.messages import EventUpdate

log = logging.getLogger("wirewatch.dashboard")

KEEPALIVE_S = 15.0
SUBSCRIBER_BUFFER = 1000  # messages a slow browser may fall behind before it is dropped
PROBE_S = 2.0  # how often a live dashboard checks that the broker still answers
PROBE_TIMEOUT_S = 4.0  # ... and how long it waits for the answer
RETRY_CAP_S = 5.0  # the longest wait between two attempts to follow the topic again
START_TIMEOUT_S = 15.0  # for the consumer to connect and read the cluster's metadata


class BrokerLost(WirewatchError):
    """The broker stopped answering, or started over, while the dashboard read."""


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
        self.since = datetime.now(UTC)  # when the status last changed between live and not
        self._subscribers: set[asyncio.Queue[bytes | None]] = set()

    def status(self) -> dict[str, Any]:
        return {
            "live": self.live,
            "detail": self.detail,
            "since": self.since.isoformat().replace("+00:00", "Z"),
            "events": len(self.board),
        }

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
            if live != self.live:
                self.since = datetime.now(UTC)
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
    """Keep the board live from the topic; on any broker trouble, say so and start again
    (and reload from the store, which has everything published meanwhile)."""
    delays = backoff(first=1.0, cap=RETRY_CAP_S)
    updates = topic_spec(settings, "updates")
    failures = 0  # in a row: the first of an outage is a warning, the rest debug
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_servers.split(","),
            group_id=None,
            enable_auto_commit=False,
            # Offsets out of range mean the topic was recreated: an error, so that the
            # board is reloaded, rather than a silent jump to the end.
            auto_offset_reset="none",
            client_id=f"{settings.app_id}-dashboard",
        )
        try:
            await asyncio.to_thread(ensure_topics, settings, [updates])
            # A broker that takes connections but does not answer would hold this for
            # the client's 40 s request timeout; TimeoutError is an OSError, retried.
            await asyncio.wait_for(consumer.start(), START_TIMEOUT_S)
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
            delays = backoff(first=1.0, cap=RETRY_CAP_S)
            failures = 0
            await _read_while_reachable(consumer, partitions, hub)
        except asyncio.CancelledError:
            raise
        except (KafkaError, WirewatchError, OSError) as exc:
            delay = next(delays)
            failures += 1
            hub.set_status(False, f"Kafka unreachable ({_reason(exc)})")
            log.log(
                logging.WARNING if failures == 1 else logging.DEBUG,
                "event updates unavailable, retrying",
                extra={"error": _reason(exc), "retry_in_s": round(delay, 1)},
            )
        except Exception as exc:  # a bug or a store error: say so, and keep trying
            delay = next(delays)
            failures += 1
            hub.set_status(False, f"error, retrying: {_reason(exc)}")
            log.exception("following event updates failed, retrying")
        finally:
            await _close(consumer)
        await asyncio.sleep(delay)


async def _close(consumer: AIOKafkaConsumer) -> None:
    """Stop the consumer, whatever state a lost broker left it in: its client cancels
    its own pending requests as it closes, which is no cancellation of this task."""
    try:
        await asyncio.wait_for(consumer.stop(), PROBE_TIMEOUT_S)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:
        log.debug("the consumer did not stop cleanly", exc_info=True)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def _read_while_reachable(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], hub: Hub
) -> None:
    """Apply the topic's updates until the broker is lost; then raise."""
    reading = asyncio.create_task(_read(consumer, hub))
    watching = asyncio.create_task(_watch(consumer, partitions))
    try:
        done, _ = await asyncio.wait({reading, watching}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
        raise BrokerLost("the consumer stopped")
    finally:
        for task in (reading, watching):
            task.cancel()
        await asyncio.gather(reading, watching, return_exceptions=True)


async def _read(consumer: AIOKafkaConsumer, hub: Hub) -> None:
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


async def _watch(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
    """Return never; raise BrokerLost once the broker does not answer, or answers with
    end offsets behind what was read (the topic was recreated)."""
    while True:
        await asyncio.sleep(PROBE_S)
        try:
            ends = await asyncio.wait_for(consumer.end_offsets(partitions), PROBE_TIMEOUT_S)
        except TimeoutError:
            raise BrokerLost(f"no answer in {PROBE_TIMEOUT_S:.0f} s") from None
        for tp in partitions:
            position = await asyncio.wait_for(consumer.position(tp), PROBE_TIMEOUT_S)
            if position > ends[tp]:
                raise BrokerLost("the topic started over: the broker restarted")


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

# Every response: the page's own scripts, styles and stream only, never in a frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


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
    app.on_response_prepare.append(security_headers)
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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or "" for every address
        return False


def run_dashboard(settings: Settings) -> None:
    quiet_kafka_clients()
    if not is_loopback(settings.dashboard_host):
        warning = (
            f"the dashboard listens on {settings.dashboard_host or 'every address'}, not "
            "only on this machine: the page has no authentication, anyone who can reach "
            "the port sees every event; put it behind a proxy that authenticates"
        )
        print(f"warning: {warning}", file=sys.stderr)
        log.warning("dashboard reachable from other machines without authentication")
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
