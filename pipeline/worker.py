"""`wirewatch run`: the embedded broker when none is configured, the topics, the store
schema, then the faust worker until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import faust

from pipeline.app import create_app
from pipeline.broker import EmbeddedBroker
from pipeline.logs import logging_config
from pipeline.restart import restart_on_lost_topics, wait_for_store
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.threads import limit_blas_threads
from pipeline.topic_watch import TopicWatch
from pipeline.topics import ensure_topics

log = logging.getLogger("wirewatch")


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as WIREWATCH_* variables, to hand them to a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"WIREWATCH_{name.upper()}"] = str(value)
    return env


def spawn_worker(settings: Settings, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """`wirewatch run` with these settings in a child process, its output to log_path."""
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    for name, value in settings.model_dump().items():
        if value is None:  # unset here: not to come back from this process's environment
            env.pop(f"WIREWATCH_{name.upper()}", None)
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "run", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not stopped within 30 s."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    limit_blas_threads()
    broker = None
    if settings.embedded_broker:
        broker = EmbeddedBroker(settings.broker_host, settings.broker_port).start()
        log.warning(
            "embedded broker listening on %s (memory only; log: %s)",
            broker.bootstrap_servers,
            broker.log_path,
        )
        settings = settings.model_copy(update={"bootstrap_servers": broker.bootstrap_servers})
    try:
        ensure_topics(settings)
        store = Store(settings.database)
        wait_for_store(store)
        watch = TopicWatch(
            settings,
            on_lost=partial(restart_on_lost_topics, broker),
            broker_alive=(lambda: broker.running) if broker is not None else None,
        )
        app, _ = create_app(settings, store, topic_watch=watch)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        worker = faust.Worker(
            app,
            loglevel=loglevel,
            quiet=True,
            logging_config=logging_config(settings.log_format, loglevel),
        )
        # faust's terminal spinner puts the root logger at DEBUG so that it turns on every
        # log call: every debug line of faust and aiokafka then builds a record, on the
        # hot path (issue 7). The chosen log level alone decides.
        worker.spinner = None
        worker.execute_from_commandline()
    finally:
        if broker is not None:
            broker.stop()
