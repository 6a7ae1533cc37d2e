"""Notice when the broker has lost wirewatch's topics.

The embedded broker keeps everything in memory: when it restarts, every topic, message
and committed offset is gone. aiokafka reconnects by itself, but the worker would then
wait for topics nobody recreates, and what it still holds from before (batches in
flight, offsets of a log that no longer exists) means nothing in the new one. So the
worker watches its topics: one missing, or back under another topic id, means the
broker started over; the worker then restarts itself (see `pipeline.runtime.worker`), which
recreates the topics and rebuilds its state from the store.

A Kafka broker that restarts keeps its topics and their ids: the watch never fires.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from pipeline.errors import BrokerError
from pipeline.kafka.topics import topic_specs
from pipeline.settings import Settings

log = logging.getLogger("wirewatch")


class TopicWatch:
    """`lost()` looks (blocking: run it in a thread); `on_lost(names)` is what to do then."""

    def __init__(
        self,
        settings: Settings,
        on_lost: Callable[[list[str]], None],
        broker_alive: Callable[[], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.on_lost = on_lost
        self.names = [spec.name for spec in topic_specs(settings)]
        self.broker_alive = broker_alive  # for a broker this process runs itself
        self._known: dict[str, str | None] | None = None
        self._admin: KafkaAdminClient | None = None

    def lost(self) -> list[str]:
        """The topics missing, or recreated since the first look; [] while the broker does
        not answer. `wirewatch run` creates every topic before the worker starts, so a
        missing one is always news."""
        if self.broker_alive is not None and not self.broker_alive():
            return list(self.names)
        try:
            current = self._topic_ids()
        except (KafkaError, BrokerError, OSError) as exc:
            log.debug("topic watch: the broker does not answer: %s", exc)
            self.close()
            return []
        if self._known is None and current.keys() == set(self.names):
            self._known = current
        known = self._known or {}
        return [
            name
            for name in self.names
            if name not in current or (name in known and current[name] != known[name])
        ]

    def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):  # a client of a dead broker may not close
                admin.close()

    def _new_admin(self) -> KafkaAdminClient:
        # Short timeouts: the default client waits 30 s for a broker that is down, and the
        # sooner a restarted broker is noticed, the less this process writes into it.
        quick = {
            "bootstrap_timeout_ms": 3000,
            "reconnect_backoff_max_ms": 1000,
            "request_timeout_ms": 3000,
        }
        try:
            return KafkaAdminClient(
                bootstrap_servers=self.settings.kafka_servers.split(","),
                client_id=f"{self.settings.app_id}-topic-watch",
                **{k: v for k, v in quick.items() if k in KafkaAdminClient.DEFAULT_CONFIG},
            )
        except KafkaError as exc:
            raise BrokerError(f"no broker answers at {self.settings.kafka_servers}") from exc

    def _topic_ids(self) -> dict[str, str | None]:
        if self._admin is None:
            self._admin = self._new_admin()
        present = set(self._admin.list_topics())
        ours = [name for name in self.names if name in present]
        ids: dict[str, str | None] = {}
        for topic in self._admin.describe_topics(ours) if ours else []:
            if topic.get("error_code"):  # a leader election, say: no verdict this time
                raise BrokerError(f"describing {topic.get('name')}: error {topic['error_code']}")
            # A broker without topic ids (Kafka before 2.8) says None: presence decides.
            ids[topic.get("name", topic.get("topic"))] = topic.get("topic_id")
        return ids
