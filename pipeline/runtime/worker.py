"""`wirewatch run`: the embedded broker when none is configured (a detached process that
outlives the worker, see pipeline/kafka/detached.py), the topics, the store schema, then
the faust worker until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import faust

from pipeline.kafka.detached import DetachedBroker
from pipeline.kafka.topics import ensure_topics
from pipeline.kafka.watch import TopicWatch
from pipeline.logs import logging_config
from pipeline.runtime.app import Attach, create_app
from pipeline.runtime.restart import restart_on_lost_topics, wait_for_store
from pipeline.runtime.threads import limit_blas_threads
from pipeline.settings import Settings
from pipeline.store.store import Store

log = logging.getLogger("wirewatch")


def run_worker(settings: Settings, agents: Sequence[Attach], loglevel: str = "info") -> None:
    """Run a worker with these agents attached until SIGINT or SIGTERM."""
    limit_blas_threads()
    broker = None
    if settings.embedded_broker:
        broker = DetachedBroker(settings).acquire()
        settings = settings.model_copy(update={"bootstrap_servers": broker.servers})
    clean = False
    try:
        ensure_topics(settings)
        store = Store(settings.database)
        wait_for_store(store)
        watch = TopicWatch(
            settings,
            on_lost=restart_on_lost_topics,
            broker_alive=broker.alive if broker is not None else None,
        )
        app, _ = create_app(settings, store, agents=agents, topic_watch=watch)
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
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:  # faust exits with the worker's code once it stopped
            clean = not exc.code
            raise
        clean = True
    finally:
        if broker is not None:
            broker.release(clean=clean)
