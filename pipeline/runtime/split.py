"""`wirewatch run` as two processes: one for dedup and the embedding, one for the event
stage (`WIREWATCH_SPLIT`).

The two single writers, dedup and events, each take one partition; faust assigns the
one-partition topics of a worker together, so in one worker they share one interpreter,
one core, whatever the machine has. With a fast model that is the limit: the static lane's
5,000-article benchmark ran 268 to 282 articles/s in one process and 440 to 466 split
(docs/performance.md). This process only supervises: it starts the two workers (the
command with `--stages`, web ports `web_port` and the next), passes SIGINT and SIGTERM on
to them as one SIGTERM, and when one of them ends on its own, stops the other and exits
with its code: half a pipeline is not left running. Killed, it takes them with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from types import FrameType

from pipeline.errors import ConfigurationError
from pipeline.runtime.cores import cpus_of_workers
from pipeline.runtime.ports import check_port_free
from pipeline.runtime.restart import wait_for_store
from pipeline.runtime.spawn import spawn_worker, stop_worker
from pipeline.settings import Settings
from pipeline.store.store import Store

log = logging.getLogger("wirewatch")

SPLIT = ("dedup,embed", "events")  # the stages of each process


def split_of(settings: Settings, cores: int | None = None) -> tuple[str, ...]:
    """The stages of each process `wirewatch run` starts with these settings; () when it
    runs them itself (split off, a worker of some stages only, or one core on auto)."""
    if settings.split == "off" or not settings.runs_every_stage:
        return ()
    if settings.split == "auto" and (cores or os.cpu_count() or 1) < 2:
        return ()
    return SPLIT


def run_split(settings: Settings, groups: tuple[str, ...], *args: str) -> int:
    """Run a worker for each group of stages until a signal or until one ends; returns
    the exit code. `args` go to each worker's command line."""
    ports = [settings.web_port + n for n in range(len(groups))]
    if ports[-1] > 65535:
        raise ConfigurationError(
            f"the web port {settings.web_port} has no next one for the second worker: pick "
            "a lower one with --web-port, or run one process with --split off"
        )
    for port in ports:
        check_port_free(settings.web_host, port, "web port", "--web-port (it and the next)")
    # The schema made here, once: the workers would each make it, and SQLite then keeps one
    # waiting on its lock. A database that cannot work is one error here, not two.
    store = Store(settings.database)
    try:
        wait_for_store(store)
    finally:
        store.close()
    workers: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    cpus = cpus_of_workers(groups, settings.pin_cores)
    for stages, port, cores in zip(groups, ports, cpus, strict=True):
        if stopping:  # a signal while starting: start no more
            break
        update = {"stages": stages, "web_port": port, "split": "off", "cpus": cores}
        worker = spawn_worker(settings.model_copy(update=update), None, *args, supervised=True)
        workers.append(worker)
        log.info(
            "worker for %s started (pid %d, /metrics on port %d, cores %s)",
            stages.replace(",", ", "),
            worker.pid,
            port,
            cores or "any",
        )
    while not stopping and all(worker.poll() is None for worker in workers):
        time.sleep(0.2)
    if stopping:
        for worker in workers:
            _wait_or_kill(worker)
        return max((_exit_code(worker.returncode) for worker in workers), default=0)
    ended = next(worker for worker in workers if worker.returncode is not None)
    log.error(
        "the worker for %s exited with code %d: stopping the other",
        groups[workers.index(ended)].replace(",", ", "),
        ended.returncode,
    )
    for worker in workers:
        stop_worker(worker)
    return _exit_code(ended.returncode) or 1


def _exit_code(returncode: int) -> int:
    """A shell's code for how a process ended: 128 + the signal that killed it."""
    return 128 - returncode if returncode < 0 else returncode


def _wait_or_kill(worker: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """Wait for a worker already told to stop, then kill it. No second SIGTERM: faust
    ignores one while its loop runs, but a worker past its loop's close dies of it (exit
    143 instead of 0)."""
    try:
        worker.wait(timeout_s)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)
