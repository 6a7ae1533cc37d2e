"""The topics the workers read, as the clean stop and `wirewatch dlq --requeue` ask."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pipeline.kafka.requeue import Requeue, requeue_of
from pipeline.kafka.topics import consumed_topics
from pipeline.settings import Settings
from schemas.messages import DeadLetter


def test_the_alerts_are_read_only_where_the_webhook_agent_runs() -> None:
    plain = Settings()
    hooked = Settings(webhook_url="https://newsroom.example/hook")
    stages = [plain.topic_articles, plain.topic_deduped, plain.topic_embedded]
    assert consumed_topics(plain) == [*stages, plain.topic_corrections]
    assert consumed_topics(hooked) == [*stages, plain.topic_corrections, plain.topic_alerts]


def test_an_alert_the_webhook_agent_dead_lettered_goes_back_where_it_runs() -> None:
    hooked = Settings(webhook_url="https://newsroom.example/hook")
    alert = json.dumps({"alert_id": "al-1", "event_id": "ev-1"}).encode()
    letter = DeadLetter.of(
        alert, "processing_error", "why", topic=hooked.topic_alerts, received_at=datetime.now(UTC)
    )
    assert requeue_of(letter, consumed_topics(hooked)) == Requeue(hooked.topic_alerts, None, alert)
    assert isinstance(requeue_of(letter, consumed_topics(Settings())), str)
