"""Webhook delivery of alerts, with the `webhook_deliveries` table as its outbox.

It runs in the workers (agents/webhook.py): an agent reads the `alerts` topic and
queues each alert in the table, keyed by alert id, before its offset is committed; a
timer then POSTs what is due. Why there and not in the dashboard: the workers already
have the store, at-least-once consumption and the deployment's redundancy, and the
table makes delivery survive restarts. Why through a table and not straight from the
stream: the per-event rate limit holds alerts back for a while, and Kafka offsets
cannot stay behind one held message while later ones are committed.

- A redelivered alert finds its id in the table and is never sent again.
- Alerts are keyed by event on the topic; a worker sends only the alerts of the
  partitions it holds, so one event's POSTs come from one worker at a time. A short
  lease on the rows covers the moments of a rebalance.
- One event gets at most one POST per `webhook_min_interval_s`; alerts arriving
  meanwhile wait and go out together in the next POST.
- A failed POST (error, timeout, non-2xx answer) is retried with doubling delays, up to
  `webhook_max_attempts`; then the rows are marked failed, with the error, and logged.

A POST that succeeds but whose answer is lost is sent again: receivers that must not
see a repeat use the alert ids in the body (or the `X-Wirewatch-Delivery` header).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aiohttp
from pydantic import ValidationError
from sqlalchemy import case, func, or_, select, update

from pipeline.newsroom.alerting import AlertRules, rate_limited, retry_delay, webhook_payload
from pipeline.runtime import metrics
from pipeline.settings import Settings
from pipeline.store.store import Store, upsert_rows
from schemas.messages import Alert
from schemas.tables import webhook_deliveries as deliveries

log = logging.getLogger("wirewatch.webhook")
T = TypeVar("T")
RunDb = Callable[..., Awaitable[Any]]

PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"


@dataclass(frozen=True)
class Incoming:
    """One message of the alerts topic."""

    value: bytes
    partition: int


@dataclass(frozen=True)
class Claimed:
    """The pending alerts of one event that this worker is about to send."""

    event_id: str
    token: str
    alerts: list[tuple[Alert, str]]
    attempts: int


class WebhookOutbox:
    """The `webhook_deliveries` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def queue(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert the rows whose alert id is new; returns the ids that were already there."""
        ids = [r["alert_id"] for r in rows]

        def work() -> set[str]:
            with self.store.engine.begin() as conn:
                known = set(
                    conn.execute(
                        select(deliveries.c.alert_id).where(deliveries.c.alert_id.in_(ids))
                    ).scalars()
                )
                upsert_rows(
                    conn,
                    deliveries,
                    [r for r in rows if r["alert_id"] not in known],
                    key=["alert_id"],
                )
            return known

        return self.store.run(work) if rows else set()

    def claim_due(
        self,
        now: datetime,
        partitions: Iterable[int],
        min_interval_s: float,
        lease_s: float,
        limit: int = 50,
    ) -> list[Claimed]:
        """Claim, for a lease, the pending alerts of each event whose rate limit allows
        a POST now."""
        parts = list(partitions)
        if not parts:
            return []
        claimable = (
            (deliveries.c.status == PENDING)
            & (deliveries.c.due_at <= now)
            & or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now)
        )

        def work() -> list[Claimed]:
            claimed = []
            with self.store.engine.begin() as conn:
                event_ids = list(
                    conn.execute(
                        select(deliveries.c.event_id)
                        .where(claimable, deliveries.c.partition.in_(parts))
                        .group_by(deliveries.c.event_id)
                        .order_by(func.min(deliveries.c.due_at))
                        .limit(limit)
                    ).scalars()
                )
                last_posts: dict[str, datetime] = {}
                if event_ids:
                    for row in conn.execute(
                        select(deliveries.c.event_id, func.max(deliveries.c.delivered_at))
                        .where(
                            deliveries.c.event_id.in_(event_ids),
                            deliveries.c.status == DELIVERED,
                        )
                        .group_by(deliveries.c.event_id)
                    ):
                        last_posts[row[0]] = row[1]
                for event_id in event_ids:
                    last = last_posts.get(event_id)
                    if last is not None and last.tzinfo is None:
                        last = last.replace(tzinfo=UTC)
                    if rate_limited(last, now, min_interval_s):
                        continue
                    token = uuid.uuid4().hex
                    # The WHERE is checked again row by row: rows another worker claimed
                    # first are left to it.
                    conn.execute(
                        update(deliveries)
                        .where(claimable, deliveries.c.event_id == event_id)
                        .values(claim=token, claimed_until=now + timedelta(seconds=lease_s))
                    )
                    rows = conn.execute(
                        select(
                            deliveries.c.payload, deliveries.c.reason, deliveries.c.attempts
                        ).where(deliveries.c.claim == token)
                    ).all()
                    if rows:
                        claimed.append(
                            Claimed(
                                event_id,
                                token,
                                [(Alert.model_validate_json(r.payload), r.reason) for r in rows],
                                max(r.attempts for r in rows),
                            )
                        )
            return claimed

        return self.store.run(work)

    def delivered(self, token: str, now: datetime, status: int) -> None:
        self._finish(
            token,
            values={
                "status": DELIVERED,
                "delivered_at": now,
                "response_status": status,
                "attempts": deliveries.c.attempts + 1,
                "error": None,
            },
        )

    def failed_attempt(
        self,
        token: str,
        now: datetime,
        error: str,
        status: int | None,
        retry_at: datetime,
        max_attempts: int,
    ) -> None:
        give_up = deliveries.c.attempts + 1 >= max_attempts
        self._finish(
            token,
            values={
                "status": case((give_up, FAILED), else_=PENDING),
                "due_at": retry_at,
                "response_status": status,
                "error": error[:2000],
                "attempts": deliveries.c.attempts + 1,
            },
        )

    def statuses(self) -> dict[str, str]:
        """alert id -> status, for inspection and tests."""
        query = select(deliveries.c.alert_id, deliveries.c.status)
        return dict(self.store.run(lambda: [tuple(r) for r in self.store.fetch_all(query)]))

    def _finish(self, token: str, values: dict[str, Any]) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.claim == token)
                    .values(**values, claim=None, claimed_until=None)
                )

        self.store.run(work)


def delivery_key(alert_ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(alert_ids)).encode()).hexdigest()[:32]


async def post_json(url: str, payload: dict[str, Any], timeout_s: float) -> tuple[int, str]:
    """POST; returns the HTTP status and the start of the answer. Raises on no answer."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "wirewatch-webhook/1",
        "X-Wirewatch-Delivery": delivery_key(a["alert_id"] for a in payload["alerts"]),
    }
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, (await response.text(errors="replace"))[:300]


class Notifier:
    """Queues alerts from the topic and POSTs them when due. The store work runs through
    `run_db` (the worker's retrying store executor)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        run_db: RunDb,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if settings.webhook_url is None:
            raise ValueError("Notifier needs settings.webhook_url")
        self.url = settings.webhook_url.get_secret_value()
        self.settings = settings
        self.rules = AlertRules.from_settings(settings)
        self.outbox = WebhookOutbox(store)
        self.run_db = run_db
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lease_s = 2 * settings.webhook_timeout_s + 10

    async def queue(self, messages: Sequence[Incoming]) -> None:
        now = self.clock()
        rows = []
        for message in messages:
            try:
                alert = Alert.model_validate_json(message.value)
            except ValidationError as exc:
                metrics.WEBHOOK_ALERTS.labels("unreadable").inc()
                log.warning(
                    "unreadable alert message skipped",
                    extra={"partition": message.partition, "error": str(exc).splitlines()[0]},
                )
                continue
            decision = self.rules.decide(alert)
            rows.append(
                {
                    "alert_id": alert.alert_id,
                    "event_id": alert.event_id,
                    "partition": message.partition,
                    "status": PENDING if decision.send else SKIPPED,
                    "reason": decision.reason,
                    "payload": alert.model_dump_json(),
                    "received_at": now,
                    "due_at": now,
                    "attempts": 0,
                }
            )
        unique = list({row["alert_id"]: row for row in rows}.values())  # first of each id
        repeats = await self.run_db(self.outbox.queue, unique)
        metrics.WEBHOOK_ALERTS.labels("repeat").inc(len(rows) - len(unique) + len(repeats))
        for row in unique:
            if row["alert_id"] not in repeats:
                decision = "queued" if row["status"] == PENDING else "skipped"
                metrics.WEBHOOK_ALERTS.labels(decision).inc()

    async def deliver_due(self, partitions: Iterable[int]) -> int:
        """POST what is due for the given partitions of the alerts topic; returns the
        number of POSTs that succeeded."""
        claimed = await self.run_db(
            self.outbox.claim_due,
            self.clock(),
            list(partitions),
            self.settings.webhook_min_interval_s,
            self.lease_s,
        )
        sent = 0
        for batch in claimed:  # one event after another: a slow receiver slows only us
            sent += await self._send(batch)
        return sent

    async def _send(self, batch: Claimed) -> int:
        payload = webhook_payload(batch.alerts, self.clock())
        ids = [a.alert_id for a, _ in batch.alerts]
        status: int | None = None
        try:
            status, answer = await post_json(self.url, payload, self.settings.webhook_timeout_s)
            error = None if 200 <= status < 300 else f"HTTP {status}: {answer}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.clock()
        if error is None:
            await self.run_db(self.outbox.delivered, batch.token, now, status)
            metrics.WEBHOOK_POSTS.labels("delivered").inc()
            log.info(
                "webhook delivered",
                extra={"event_id": batch.event_id, "alerts": len(ids), "status": status},
            )
            return 1
        attempts = batch.attempts + 1
        give_up = attempts >= self.settings.webhook_max_attempts
        delay = retry_delay(attempts, self.settings.webhook_retry_base_s)
        retry_at = now + timedelta(seconds=delay)
        await self.run_db(
            self.outbox.failed_attempt,
            batch.token,
            now,
            error,
            status,
            retry_at,
            self.settings.webhook_max_attempts,
        )
        metrics.WEBHOOK_POSTS.labels("failed" if give_up else "retry").inc()
        (log.error if give_up else log.warning)(
            "webhook failed, giving up" if give_up else "webhook failed, will retry",
            extra={
                "event_id": batch.event_id,
                "alerts": len(ids),
                "attempt": attempts,
                "error": error,
                "retry_at": None if give_up else retry_at.isoformat(),
            },
        )
        return 0
