"""Webhook alerts: queue each alert in the store, then POST what is due (see
pipeline/newsroom/webhook.py for why this runs in the workers). Attached only when
WIREWATCH_WEBHOOK_URL is set."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.types import EventT

from agents.base import run_batches
from pipeline.newsroom.webhook import Incoming, Notifier
from pipeline.runtime.services import Services, Topics

POLL_S = 1.0


def attach(app: faust.App, topics: Topics, services: Services) -> None:
    settings = services.settings
    if settings.webhook_url is None:
        return
    notifier = Notifier(settings, services.store, services.durably)

    async def queue(events: Sequence[EventT]) -> None:
        await notifier.queue(
            [Incoming(e.message.value or b"", e.message.partition) for e in events]
        )

    @app.agent(topics.alerts, name="webhook")
    async def webhook(stream: faust.StreamT) -> None:
        await run_batches(stream, topics.dlq, queue, settings)

    @app.timer(POLL_S)
    async def deliver_webhooks() -> None:
        held = [
            tp.partition for tp in app.consumer.assignment() if tp.topic == settings.topic_alerts
        ]
        await notifier.deliver_due(held)
