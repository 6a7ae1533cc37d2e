"""`wirewatch run`: the embedded broker when none is configured, the topics, the store
schema, then the faust worker until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import partial

import faust

from pipeline.kafka.broker import EmbeddedBroker
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
        worker.execute_from_commandline()
    finally:
        if broker is not None:
            broker.stop()
