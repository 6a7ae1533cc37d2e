"""The embedded broker of `wirewatch run`: a process of its own, which outlives the
worker and which the next `run` on the same port finds again.

Tansu keeps everything in memory. A broker inside the worker took with it, when the
worker was killed, every message `wirewatch ingest` had been told was safe. So `run`
starts the broker detached (in a session of its own: neither a crash of the worker nor
Ctrl-C in its terminal reaches it) and records it in the state directory
(`broker-<host>-<port>.json`); a later `run` on that port uses it again.

Who stops it: the last `run` that uses it, when it stops (SIGINT, SIGTERM, an error; a
killed one cannot), if its consumer group has processed everything on the broker and no
dead letter waits there (a person has yet to read it, or send it back once mended);
otherwise the broker keeps running, and `wirewatch broker --stop` stops it once no
worker uses it. Every run holds a
shared lock on `broker-<host>-<port>.users` while it uses the broker; the kernel drops
it with the process, however it ends, so "the last one" needs no bookkeeping.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.errors import BrokerError
from pipeline.kafka.broker import EmbeddedBroker, port_open
from pipeline.kafka.topics import consumed_topics, topic_spec
from pipeline.settings import Settings

log = logging.getLogger("wirewatch")


@dataclass(frozen=True)
class BrokerRecord:
    """What the state directory knows of a detached broker."""

    pid: int
    host: str
    port: int
    log_path: str

    @property
    def servers(self) -> str:
        return f"{self.host}:{self.port}"


def process_alive(pid: int) -> bool:
    """True while the process runs (a zombie has ended; it is reaped if it is ours)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


def answers_kafka(servers: str, timeout_s: float = 3.0) -> bool:
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=[servers],
            client_id="wirewatch-probe",
            request_timeout_ms=int(timeout_s * 1000),
            api_version_auto_timeout_ms=int(timeout_s * 1000),
        )
    except (KafkaError, OSError, ValueError):
        return False
    admin.close()
    return True


class DetachedBroker:
    """The broker a `run` uses on the embedded default: found (by its record, or a broker
    already listening on the port) or started; `release` at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.host = settings.broker_host
        self.port = settings.broker_port
        self.state = settings.state_path
        stem = f"broker-{self.host}-{self.port}"
        self.record_path = self.state / f"{stem}.json"
        self._start_lock_path = self.state / f"{stem}.lock"
        self._users_path = self.state / f"{stem}.users"
        self.record: BrokerRecord | None = None  # None: a broker someone else runs
        self._users: IO[bytes] | None = None

    @property
    def servers(self) -> str:
        return f"{self.host}:{self.port}"

    def acquire(self) -> DetachedBroker:
        self.state.mkdir(parents=True, exist_ok=True)
        with self._start_lock():
            self.record = read_record(self.record_path)
            if self.record is not None:
                log.warning(
                    "using the embedded broker already running on %s (pid %d; memory only)",
                    self.servers,
                    self.record.pid,
                )
            elif port_open(self.host, self.port):
                if not answers_kafka(self.servers):
                    raise BrokerError(
                        f"port {self.port} on {self.host} is in use by something that is not "
                        "a Kafka broker: pick another with --broker-port or "
                        "WIREWATCH_BROKER_PORT"
                    )
                log.warning("using the Kafka broker already listening on %s", self.servers)
            else:
                self._start()
            self._users = open(self._users_path, "ab")  # noqa: SIM115 - held while running
            fcntl.flock(self._users, fcntl.LOCK_SH)
        return self

    def alive(self) -> bool:
        """False once the broker this run knows the process of has ended."""
        return self.record is None or process_alive(self.record.pid)

    def release(self) -> None:
        """When the run stops (not when it is killed: then this never runs), stop the
        broker if this run is the last to use it and nothing on it waits to be
        processed; otherwise say that it keeps running."""
        users, self._users = self._users, None
        if users is None:
            return
        try:
            if self.record is None:
                return
            # The start lock first, as in `acquire`: a run starting meanwhile waits.
            with self._start_lock():
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    log.warning(
                        "the embedded broker on %s keeps running for the other workers",
                        self.servers,
                    )
                    return
                waiting = unprocessed(self.settings)
                if waiting != 0:
                    log.warning(
                        "the embedded broker on %s keeps running (pid %d): %s messages are "
                        "not processed yet; the next `wirewatch run` goes on with them, "
                        "`wirewatch broker --stop` drops them",
                        self.servers,
                        self.record.pid,
                        waiting if waiting > 0 else "maybe some",
                    )
                    return
                if holds_dead_letters(self.settings) is not False:
                    log.warning(
                        "the embedded broker on %s keeps running (pid %d): dead letters wait "
                        "on %s; `wirewatch dlq` reads them (`--requeue` sends them back once "
                        "mended), `wirewatch broker --stop` drops them",
                        self.servers,
                        self.record.pid,
                        self.settings.topic_dlq,
                    )
                    return
                stop_recorded(self.record_path)
                log.warning("embedded broker on %s stopped: nothing left on it", self.servers)
        finally:
            users.close()

    def stop_if_unused(self) -> BrokerRecord | None:
        """`wirewatch broker --stop`: the record of the broker stopped, None if none was
        recorded; a BrokerError while a worker uses it."""
        if not self.record_path.exists():
            return None
        self.state.mkdir(parents=True, exist_ok=True)
        with self._start_lock(), open(self._users_path, "ab") as users:
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BrokerError(
                    f"a `wirewatch run` still uses the embedded broker on {self.servers}: "
                    "stop it first"
                ) from None
            return stop_recorded(self.record_path)

    def _start(self) -> None:
        log_path = self.state / f"broker-{self.host}-{self.port}.log"
        broker = EmbeddedBroker(self.host, self.port, log_path, detached=True).start()
        assert broker.pid is not None
        self.record = BrokerRecord(broker.pid, self.host, self.port, str(log_path))
        tmp = self.record_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.record)))
        tmp.replace(self.record_path)
        log.warning(
            "embedded broker started on %s (pid %d; memory only; it outlives this worker, "
            "see `wirewatch broker --stop`; log %s)",
            self.servers,
            broker.pid,
            log_path,
        )

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        with open(self._start_lock_path, "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def read_record(path: Path) -> BrokerRecord | None:
    """The recorded broker if its process still runs; a stale record is removed."""
    try:
        record = BrokerRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if process_alive(record.pid) and port_open(record.host, record.port):
        return record
    if not process_alive(record.pid):
        path.unlink(missing_ok=True)
        return None
    return record  # running, not listening yet or any more: still its port


def stop_recorded(path: Path, timeout_s: float = 10.0) -> BrokerRecord | None:
    """Stop the recorded broker (SIGINT: Tansu stops at once) and remove its record."""
    record = read_record(path)
    if record is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGINT)
        deadline = time.monotonic() + timeout_s
        while process_alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if process_alive(record.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(record.pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    return record


def unprocessed(settings: Settings) -> int:
    """Messages on the topics the workers consume beyond their group's committed offsets;
    -1 when the broker cannot tell (then nothing is assumed processed)."""
    consumer = _consumer(settings, settings.app_id)
    if consumer is None:
        return -1
    try:
        total = 0
        for name in consumed_topics(settings):
            parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
            ends = consumer.end_offsets(parts) if parts else {}
            for part in parts:
                total += max(0, ends[part] - (consumer.committed(part) or 0))
        return total
    except KafkaError:
        return -1
    finally:
        consumer.close()


def holds_dead_letters(settings: Settings) -> bool | None:
    """Whether the dead-letter topic holds a message; None when the broker cannot tell."""
    consumer = _consumer(settings)
    if consumer is None:
        return None
    try:
        name = topic_spec(settings, "dlq").name
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        if not parts:
            return False
        starts, ends = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
        return any(ends[part] > starts[part] for part in parts)
    except KafkaError:
        return None
    finally:
        consumer.close()


def _consumer(settings: Settings, group_id: str | None = None) -> KafkaConsumer | None:
    """A consumer of the embedded broker, to read offsets; None when it cannot connect."""
    try:
        return KafkaConsumer(
            bootstrap_servers=[f"{settings.broker_host}:{settings.broker_port}"],
            group_id=group_id,
            enable_auto_commit=False,
            request_timeout_ms=5000,
        )
    except (KafkaError, OSError):
        return None
