"""Create wirewatch's topics with the partition counts it needs (kafka-python admin).

Topics are created explicitly: a broker that auto-creates them picks its own partition
count, which the stages then disagree with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, NoReturn

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline.errors import BrokerError, ConfigurationError
from pipeline.kafka.broker import port_open
from pipeline.settings import Settings

log = logging.getLogger(__name__)


TopicRole = Literal["articles", "dlq", "deduped", "embedded", "corrections", "updates", "alerts"]


@dataclass(frozen=True)
class TopicSpec:
    """One row of the topic table."""

    role: TopicRole  # what the topic is for, whatever the settings name it
    name: str
    partitions: int
    internal: bool  # wirewatch's own: a wrong partition count there is an error


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The one table of wirewatch's topics: the admin creates them from it, the faust app
    declares its topics from it, the dashboard and the topic watch read it."""
    return [
        TopicSpec("articles", settings.topic_articles, settings.articles_partitions, False),
        TopicSpec("dlq", settings.topic_dlq, 1, False),
        TopicSpec("deduped", settings.topic_deduped, settings.work_partitions, True),
        # The event stage is a single writer: one partition.
        TopicSpec("embedded", settings.topic_embedded, 1, True),
        # The desk's corrections go to the same single writer, so one partition too: faust
        # assigns the one-partition topics of a worker's agents together (copartitioned),
        # so the worker that holds `embedded` holds `corrections` as well.
        TopicSpec("corrections", settings.topic_corrections, 1, True),
        TopicSpec("updates", settings.topic_updates, settings.output_partitions, False),
        TopicSpec("alerts", settings.topic_alerts, settings.output_partitions, False),
    ]


def topic_spec(settings: Settings, role: TopicRole) -> TopicSpec:
    return next(spec for spec in topic_specs(settings) if spec.role == role)


def consumed_topics(settings: Settings) -> list[str]:
    """The topics the workers' agents read: the stages' inputs, the desk's corrections,
    and the alerts where the webhook agent runs (a webhook URL is set)."""
    roles: list[TopicRole] = ["articles", "deduped", "embedded", "corrections"]
    if settings.webhook_url is not None:
        roles.append("alerts")
    return [topic_spec(settings, role).name for role in roles]


def admin_client(settings: Settings, timeout_s: float = 10.0) -> KafkaAdminClient:
    servers = settings.kafka_servers.split(",")
    if not any(port_open(*_host_port(server), timeout=2.0) for server in servers):
        _no_broker(settings)  # fail fast: the client alone would retry for half a minute
    try:
        return KafkaAdminClient(
            bootstrap_servers=settings.kafka_servers.split(","),
            client_id=f"{settings.app_id}-admin",
            request_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError:
        _no_broker(settings)


def _no_broker(settings: Settings) -> NoReturn:
    hint = (
        " Start one with `wirewatch run` (or `wirewatch broker`) in another terminal."
        if settings.embedded_broker
        else ""
    )
    raise BrokerError(f"no Kafka broker answers at {settings.kafka_servers}.{hint}")


def _host_port(server: str) -> tuple[str, int]:
    host, colon, port = server.strip().rpartition(":")
    if not colon or not port.isdigit():
        return server.strip(), 9092
    return host.strip("[]") or "localhost", int(port)


def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> list[str]:
    """Create the missing topics; returns the names created."""
    specs = specs if specs is not None else topic_specs(settings)
    admin = admin_client(settings)
    try:
        existing = _partition_counts(admin, [s.name for s in specs])
        created = []
        for spec in specs:
            count = existing.get(spec.name)
            if count is None:
                try:
                    admin.create_topics(
                        [NewTopic(spec.name, spec.partitions, settings.replication_factor)]
                    )
                    created.append(spec.name)
                except TopicAlreadyExistsError:
                    pass  # another worker created it meanwhile
            elif spec.internal and count != spec.partitions:
                raise ConfigurationError(
                    f"topic {spec.name!r} has {count} partitions, wirewatch expects "
                    f"{spec.partitions}; delete it or change WIREWATCH_APP_ID"
                )
            elif count != spec.partitions:
                log.warning(
                    "topic %s has %d partitions (setting: %d); keeping it",
                    spec.name,
                    count,
                    spec.partitions,
                )
        return created
    except KafkaError as exc:
        raise BrokerError(f"cannot create topics on {settings.kafka_servers}: {exc}") from exc
    finally:
        admin.close()


def _partition_counts(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    present = set(admin.list_topics())
    wanted = [n for n in names if n in present]
    if not wanted:
        return {}
    described = admin.describe_topics(wanted)
    # kafka-python 2.x says "topic", 3.x says "name"
    return {t.get("name", t.get("topic")): len(t["partitions"]) for t in described}
