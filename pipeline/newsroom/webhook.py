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
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aiohttp
from pydantic import ValidationError

from pipeline.newsroom.alerting import AlertRules, rate_limited, retry_delay, webhook_payload
from pipeline.runtime import metrics
from pipeline.settings import Settings
from pipeline.store import DeliveryRow, Store
from pipeline.store.rows import PENDING, SKIPPED
from schemas.messages import Alert

log = logging.getLogger("wirewatch.webhook")
T = TypeVar("T")
RunDb = Callable[..., Awaitable[Any]]


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
    """The webhook's side of the `webhook_deliveries` table (whose SQL is the store's):
    alerts queued once per alert id, claimed by event when their rate limit allows a
    POST, then marked delivered, or failed and due again later."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def queue(self, rows: Sequence[DeliveryRow]) -> set[str]:
        """Insert the rows whose alert id is new; returns the ids that were already there."""
        return self.store.queue_deliveries(rows)

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
        claimed = self.store.claim_deliveries(
            now,
            partitions,
            lease_s,
            lambda last_post: not rate_limited(last_post, now, min_interval_s),
            limit,
        )
        return [
            Claimed(
                c.event_id,
                c.token,
                [(Alert.model_validate_json(payload), reason) for payload, reason in c.alerts],
                c.attempts,
            )
            for c in claimed
        ]

    def delivered(self, token: str, now: datetime, status: int) -> None:
        self.store.mark_delivered(token, now, status)

    def failed_attempt(
        self,
        token: str,
        now: datetime,
        error: str,
        status: int | None,
        retry_at: datetime,
        max_attempts: int,
    ) -> None:
        self.store.mark_failed_attempt(token, error, status, retry_at, max_attempts)

    def statuses(self) -> dict[str, str]:
        """alert id -> status, for inspection and tests."""
        return self.store.delivery_statuses()


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
                DeliveryRow(
                    alert_id=alert.alert_id,
                    event_id=alert.event_id,
                    partition=message.partition,
                    status=PENDING if decision.send else SKIPPED,
                    reason=decision.reason,
                    payload=alert.model_dump_json(),
                    received_at=now,
                    due_at=now,
                )
            )
        unique = list({row.alert_id: row for row in rows}.values())  # first of each id
        repeats = await self.run_db(self.outbox.queue, unique)
        metrics.WEBHOOK_ALERTS.labels("repeat").inc(len(rows) - len(unique) + len(repeats))
        for row in unique:
            if row.alert_id not in repeats:
                decision = "queued" if row.status == PENDING else "skipped"
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
