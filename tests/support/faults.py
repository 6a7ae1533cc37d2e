"""Fault injection for the reliability tests: a TCP proxy that can cut or stall the
database, the `wirewatch broker` process, and counting what reached the store."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.kafka.broker import free_port, port_open
from pipeline.store.store import Store
from schemas.tables import alerts, articles, event_sources, event_updates, events
from tests.support.paths import OUTPUT, ROOT
from tests.support.workers import WorkerProcess, wait_for

TABLES = (articles, events, event_sources, event_updates, alerts)


class TcpProxy:
    """127.0.0.1:<port> forwarded to a target. `cut()` closes every connection and refuses
    new ones (a server gone, a cable pulled); `stall()` keeps connections open but stops
    moving bytes (a frozen server); `restore()` ends either."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopped = False
        self.accepted = 0

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown, not just close: close does not wake a thread blocked in accept(),
            # and the kernel would go on accepting for it.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._connections.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def restore(self) -> None:
        self._flowing.set()
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._stopped = True
        self.cut()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut: the listener was closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self.accepted += 1
            with self._lock:
                self._connections += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        try:
            while True:
                if not self._flowing.is_set():
                    time.sleep(0.05)
                    continue
                readable, _, _ = select.select([a, b], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()


@dataclass
class BrokerProcess:
    """`wirewatch broker --port N` as a real process, as an operator runs it."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> BrokerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.cli", "broker", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"`wirewatch broker` did not start: {self.log_path}")
            time.sleep(0.1)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self.process = None
        return code

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def counts(store: Store) -> dict[str, int]:
    try:
        return {table.name: store.count(table) for table in TABLES}
    except Exception:  # the worker has not created the schema yet
        return {table.name: 0 for table in TABLES}


def stored(store: Store) -> int:
    return counts(store)["articles"]


def wait_stored(store: Store, count: int, what: str, worker: WorkerProcess) -> None:
    """Until the store holds `count` articles, watching closely (faults are timed by it)."""
    wait_for(lambda: stored(store) >= count, interval=0.05, timeout=240, message=what,
             worker=worker)  # fmt: skip


def clustering(store: Store) -> dict[str, Any]:
    """What a run decided, with event ids left out where they are arbitrary: the events
    as sets of article ids, and each copy's original."""
    clusters = store.event_clusters()
    return {
        "events": sorted(sorted(a["id"] for a in c["articles"]) for c in clusters),
        "copies": {
            a["id"]: a["duplicate_of"] for c in clusters for a in c["articles"] if a["duplicate_of"]
        },
    }


def placement_differences(baseline: dict[str, Any], got: dict[str, Any], shown: int = 5) -> str:
    """Where two clusterings part: the events of each that the other lacks, and the copies
    linked differently (a few of each, so that a failure says which articles to look at)."""
    ours = {tuple(e) for e in baseline["events"]}
    theirs = {tuple(e) for e in got["events"]}
    copies = {
        a: (baseline["copies"].get(a), got["copies"].get(a))
        for a in baseline["copies"].keys() | got["copies"].keys()
        if baseline["copies"].get(a) != got["copies"].get(a)
    }
    return (
        f"events only in the baseline {sorted(ours - theirs)[:shown]}; "
        f"only here {sorted(theirs - ours)[:shown]}; "
        f"copies linked differently {dict(sorted(copies.items())[:shown])}"
    )


@dataclass
class Tally:
    """Messages produced against what came out: the figures docs/reliability.md quotes."""

    scenario: str
    produced: int
    stored: int
    stored_distinct: int
    lost: int
    duplicated_rows: int
    event_updates_rows: int
    update_messages: int
    update_messages_distinct: int
    alerts_rows: int
    alert_messages: int
    alert_messages_distinct: int
    dead_letters: int
    notes: str = ""

    def save(self) -> None:
        OUTPUT.mkdir(exist_ok=True)
        path = OUTPUT / f"reliability-{self.scenario}.json"
        path.write_text(json.dumps(asdict(self), indent=2))
        print(f"\n{self.scenario}: {json.dumps(asdict(self))}")


def tally(
    scenario: str,
    store: Store,
    produced_ids: list[str],
    updates: list[Any],
    alert_messages: list[Any],
    dead: list[Any],
    notes: str = "",
) -> Tally:
    ids = [r["id"] for c in store.event_clusters() for r in c["articles"]]
    distinct = set(ids)
    update_ids = [u["update_id"] for u in updates]
    alert_ids = [a["alert_id"] for a in alert_messages]
    return Tally(
        scenario=scenario,
        produced=len(produced_ids),
        stored=len(ids),
        stored_distinct=len(distinct),
        lost=len(set(produced_ids) - distinct),
        duplicated_rows=sum(n - 1 for n in Counter(ids).values()),
        event_updates_rows=store.count(event_updates),
        update_messages=len(update_ids),
        update_messages_distinct=len(set(update_ids)),
        alerts_rows=store.count(alerts),
        alert_messages=len(alert_ids),
        alert_messages_distinct=len(set(alert_ids)),
        dead_letters=len(dead),
        notes=notes,
    )


def sigkill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def create_topic(admin: KafkaAdminClient, topic: NewTopic) -> bool:
    """Create the topic; False when it exists already (or is still being deleted)."""
    try:
        admin.create_topics([topic])
        return True
    except TopicAlreadyExistsError:
        return False
