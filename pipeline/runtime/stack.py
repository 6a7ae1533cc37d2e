"""The one local stack: an embedded broker, the topics, a store, N `wirewatch run` worker
processes, and "wait until the store holds this many articles".

`wirewatch demo`, `wirewatch eval --through-broker` and `wirewatch bench` each run the
real pipeline on one machine this way, so that they measure and show the same thing.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from types import TracebackType

from pipeline.errors import StackError
from pipeline.kafka import EmbeddedBroker, ensure_topics, free_port, port_open
from pipeline.runtime.cores import cpus_of_workers
from pipeline.runtime.spawn import spawn_worker, stop_worker
from pipeline.settings import Settings
from pipeline.store import Store

Progress = Callable[[int, int], None]  # (stored, expected)


class LocalStack:
    """Owns the broker and the worker processes it starts; the store is the caller's
    (a database URL in `settings`), opened here to watch what the workers write.

    `private=True` gives the run its own consumer group and topics (a fresh app id) and a
    free web port per worker, so that it cannot meet another run on the same machine.
    `stages`, one entry per worker (`WIREWATCH_STAGES`), splits the stages among them;
    empty, every worker runs the settings' stages."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path,
        *,
        workers: int = 1,
        worker_args: tuple[str, ...] = (),
        private: bool = True,
        name: str = "wirewatch",
        stages: Sequence[str] = (),
    ) -> None:
        if stages and len(stages) != workers:
            raise StackError(f"{len(stages)} lists of stages for {workers} workers")
        self.base = settings
        self.log_dir = log_dir
        self.worker_count = workers
        self.worker_args = worker_args
        self.private = private
        self.name = name
        self.stages = tuple(stages)
        self.broker: EmbeddedBroker | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.settings = settings
        self.store = Store(settings.database)

    def __enter__(self) -> LocalStack:
        port = self.base.broker_port
        if self.private or port_open(self.base.broker_host, port):
            port = free_port(self.base.broker_host)
        log = self.log_dir / f"{self.name}-broker-{port}.log"
        self.broker = EmbeddedBroker(self.base.broker_host, port, log_path=log).start()
        update: dict[str, object] = {"bootstrap_servers": self.broker.bootstrap_servers}
        if self.private:
            update["app_id"] = f"{self.name}-{uuid.uuid4().hex[:8]}"
        self.settings = self.base.model_copy(update=update)
        try:
            ensure_topics(self.settings)
            self.store.create_schema()
            for n in range(self.worker_count):
                self.workers.append(
                    spawn_worker(self._worker_settings(n), self.worker_log(n), *self.worker_args)
                )
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for worker in self.workers:
            stop_worker(worker)
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        self.store.close()

    def worker_log(self, n: int) -> Path:
        port = self.broker.port if self.broker else 0
        return self.log_dir / f"{self.name}-worker-{port}-{n}.log"

    def wait_until_stored(
        self,
        expected: int | Collection[str],
        timeout_s: float,
        *,
        on_progress: Progress | None = None,
        what: str = "",
    ) -> int:
        """Until the store holds `expected` articles (a count, or these ids); returns how
        many it holds. A worker that exits or a timeout is a StackError naming the logs."""
        total = expected if isinstance(expected, int) else len(expected)
        deadline = time.monotonic() + timeout_s
        while True:
            if isinstance(expected, int):
                stored = self.store.count_articles()
            else:
                stored = len(self.store.stored_articles(expected))
            if on_progress:
                on_progress(stored, total)
            if stored >= total:
                return stored
            for n, worker in enumerate(self.workers):
                if worker.poll() is not None:
                    raise StackError(
                        f"a worker exited with code {worker.returncode}; see {self.worker_log(n)}"
                    )
            if time.monotonic() > deadline:
                label = f"{what}: " if what else ""
                raise StackError(
                    f"{label}only {stored}/{total} articles stored after {timeout_s:.0f}s "
                    f"(rejected articles never are); see {self.worker_log(0)}"
                )
            time.sleep(0.2)

    def _worker_settings(self, n: int) -> Settings:
        # The stack decides the processes: a worker does not split itself further.
        update: dict[str, object] = {"split": "off"}
        if self.stages:
            update["stages"] = self.stages[n]
            update["cpus"] = cpus_of_workers(self.stages, self.settings.pin_cores)[n]
        if self.private:
            update["web_port"] = free_port(self.settings.web_host)
        return self.settings.model_copy(update=update)
