"""`wirewatch run`: the embedded broker when none is configured (a detached process that
outlives the worker, see pipeline/kafka/detached.py), the topics, the store schema, then
the faust worker until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import faust

from pipeline.errors import ConfigurationError
from pipeline.kafka.detached import DetachedBroker
from pipeline.kafka.stall import StallWatch
from pipeline.kafka.topics import ensure_topics
from pipeline.kafka.watch import TopicWatch
from pipeline.logs import configure, logging_config
from pipeline.runtime.app import Attach, create_app
from pipeline.runtime.cores import available_cpus, format_cpus, parse_cpus, pin
from pipeline.runtime.ports import check_port_free
from pipeline.runtime.restart import (
    restart_on_lost_topics,
    restart_on_stall,
    restarted_after_topic_loss,
    wait_for_store,
)
from pipeline.runtime.threads import limit_blas_threads
from pipeline.settings import Settings
from pipeline.store.store import Store

log = logging.getLogger("wirewatch")


def run_worker(settings: Settings, agents: Sequence[Attach], loglevel: str = "info") -> None:
    """Run a worker with these agents attached until SIGINT or SIGTERM."""
    limit_blas_threads()
    quiet_model_loading()
    # A worker of some stages only has others beside it: its lines say which it is.
    tag = None if settings.runs_every_stage else {"stages": settings.stages}
    configure(settings.log_format, loglevel, tag)
    log.info("stages of this worker: %s", settings.stages.replace(",", ", "))
    if settings.cpus:
        pin_to(settings.cpus)
    store = Store(settings.database)  # a URL that can never work fails here, at once
    check_port_free(settings.web_host, settings.web_port, "web port", "--web-port")
    broker = watch = stalls = None
    if settings.embedded_broker:
        broker = DetachedBroker(settings).acquire()
        settings = settings.model_copy(update={"bootstrap_servers": broker.servers})
    try:
        ensure_topics(settings, after_loss=restarted_after_topic_loss())
        wait_for_store(store)
        watch = TopicWatch(
            settings,
            on_lost=restart_on_lost_topics,
            broker_alive=broker.alive if broker is not None else None,
        )
        stalls = StallWatch(settings, on_stall=restart_on_stall)
        app, _ = create_app(settings, store, agents=agents, topic_watch=watch, stall_watch=stalls)
        worker = faust.Worker(
            app,
            loglevel=loglevel,
            quiet=True,
            logging_config=logging_config(settings.log_format, loglevel, tag),
        )
        # faust's terminal spinner puts the root logger at DEBUG so that it turns on every
        # log call: every debug line of faust and aiokafka then builds a record, on the
        # hot path (issue 7). The chosen log level alone decides.
        worker.spinner = None
        worker.execute_from_commandline()
    finally:  # not reached when the process is killed: the broker then stays, as it must
        for client in (watch, stalls):
            if client is not None:
                client.close()  # its client would complain of a broker stopped under it
        if broker is not None:
            broker.release()


def quiet_model_loading() -> None:
    """No progress bars from the model libraries: in a log they are noise (faust logged
    each redraw as a warning). Set before they are imported."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def pin_to(cpus: str) -> None:
    """Run on these cores (`WIREWATCH_CPUS`); cores this process may not use are a
    configuration error, named."""
    if not available_cpus():
        raise ConfigurationError(f"WIREWATCH_CPUS={cpus}: cores can be chosen on Linux only")
    try:
        pin(parse_cpus(cpus))
    except OSError as exc:
        raise ConfigurationError(
            f"WIREWATCH_CPUS={cpus}: this process may run on cores "
            f"{format_cpus(available_cpus())} only ({exc.strerror})"
        ) from exc
    log.info("cores of this worker: %s", cpus)
