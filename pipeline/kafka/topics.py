"""Create wirewatch's topics with the partition counts it needs (kafka-python admin).

Topics are created explicitly: a broker that auto-creates them picks its own partition
count, which the stages then disagree with.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Literal, NoReturn

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic, OffsetSpec
from kafka.errors import KafkaError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

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


def ensure_topics(
    settings: Settings, specs: list[TopicSpec] | None = None, after_loss: bool = False
) -> list[str]:
    """Create the missing topics; returns the names created or replaced.

    A topic with the wrong partition count is one the broker auto-created: a client asked
    for it before wirewatch created it. It is replaced where nothing can be lost by it:
    one of wirewatch's own that is empty, or, `after_loss` (the broker lost its topics and
    this worker restarted, see `pipeline.runtime.restart`), any of wirewatch's own (what
    is in it was written by processes of the broker's previous life) and any empty one.
    Otherwise one of wirewatch's own is an error, and another (the feed's topic, say,
    which an operator may have made wider) is kept with a warning."""
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
            elif count == spec.partitions:
                continue
            elif _replaceable(admin, spec, count, after_loss):
                log.warning(
                    "topic %s has %d partitions, auto-created by the broker; replacing it with %d",
                    spec.name,
                    count,
                    spec.partitions,
                )
                _replace(admin, spec, settings.replication_factor)
                created.append(spec.name)
            elif spec.internal:
                raise ConfigurationError(
                    f"topic {spec.name!r} has {count} partitions, wirewatch expects "
                    f"{spec.partitions}; delete it or change WIREWATCH_APP_ID"
                )
            else:
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


def _replaceable(admin: KafkaAdminClient, spec: TopicSpec, count: int, after_loss: bool) -> bool:
    if spec.internal and after_loss:
        return True
    return (spec.internal or after_loss) and _empty(admin, spec.name, count)


def _empty(admin: KafkaAdminClient, name: str, partitions: int) -> bool:
    def offsets(spec: OffsetSpec) -> list[int]:
        found = admin.list_partition_offsets(
            {TopicPartition(name, n): spec for n in range(partitions)}
        )
        return [found[TopicPartition(name, n)].offset for n in range(partitions)]

    return offsets(OffsetSpec.LATEST) == offsets(OffsetSpec.EARLIEST)


def _replace(
    admin: KafkaAdminClient, spec: TopicSpec, replication: int, timeout_s: float = 30.0
) -> None:
    """Delete the topic and create it again with the right partition count. A broker
    deletes in the background: until it is done, the new topic 'already exists'."""
    with contextlib.suppress(UnknownTopicOrPartitionError):  # another worker's doing
        admin.delete_topics([spec.name])
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin.create_topics([NewTopic(spec.name, spec.partitions, replication)])
            return
        except TopicAlreadyExistsError:
            count = _partition_counts(admin, [spec.name]).get(spec.name)
            if count == spec.partitions:
                return  # another worker replaced it meanwhile
            if time.monotonic() > deadline:
                raise ConfigurationError(
                    f"topic {spec.name!r} still has {count} partitions {timeout_s:.0f} s "
                    f"after deleting it; wirewatch expects {spec.partitions}"
                ) from None
            time.sleep(0.5)


def _partition_counts(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    present = set(admin.list_topics())
    wanted = [n for n in names if n in present]
    if not wanted:
        return {}
    described = admin.describe_topics(wanted)
    # kafka-python 2.x says "topic", 3.x says "name"
    return {t.get("name", t.get("topic")): len(t["partitions"]) for t in described}
