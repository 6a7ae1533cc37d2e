"""Recovery steps of `wirewatch run` that outlive a single attempt: waiting for the store
at start, and restarting the worker in place when the broker lost its topics or the
consumer stopped reading."""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import NoReturn

from sqlalchemy.exc import DBAPIError

from pipeline.backoff import backoff
from pipeline.errors import ConfigurationError, StoreUnavailable
from pipeline.kafka.stall import Stall, describe
from pipeline.store.availability import looks_misconfigured
from pipeline.store.store import Store
from pipeline.store.url import unusable

log = logging.getLogger("wirewatch")

# Set for the process that replaces a worker whose broker lost its topics: it may replace
# the topics the broker auto-created meanwhile (see `pipeline.kafka.topics.ensure_topics`).
AFTER_TOPIC_LOSS = "_WIREWATCH_AFTER_TOPIC_LOSS"


def wait_for_store(store: Store, max_wait_s: float = 300.0) -> None:
    """Create the schema, waiting (with backoff) for a database that is still starting or
    away for a while; a refused login, a missing database or an error that is no outage
    (a file that is not a database) is an error at once."""
    deadline = time.monotonic() + max_wait_s
    delays = backoff()
    while True:
        try:
            store.create_schema()
            return
        except DBAPIError as exc:  # it answered, with an error that waiting cannot cure
            raise ConfigurationError(unusable(store.url, exc)) from exc
        except StoreUnavailable as exc:
            if looks_misconfigured(str(exc)):
                raise ConfigurationError(f"cannot use the database: {exc}") from exc
            if time.monotonic() > deadline:
                raise
            delay = next(delays)
            log.warning("the database does not answer (retrying in %.1fs): %s", delay, exc)
            time.sleep(delay)


def restart_on_lost_topics(lost: list[str]) -> None:
    """What the topic watch does when the broker lost wirewatch's topics: restart this
    process in place. Everything it still holds refers to the broker's previous life; the
    new process recreates the topics and rebuilds its state from the store, as after a
    crash (on the embedded default, a broker that died is started again by it). The
    topics are not recreated here: produce requests still in flight from this process
    would then land in them, half-written when the exec cuts the connection. Until the
    exec, this process's clients may still ask the restarted broker for them, which then
    auto-creates them with its own partition count: the new process replaces those."""
    log.error(
        "the broker lost the topics %s (a memory-only broker restarted, or they were deleted)",
        ", ".join(lost),
    )
    os.environ[AFTER_TOPIC_LOSS] = "1"
    restart_process("restarting the worker")


def restarted_after_topic_loss() -> bool:
    """Whether this process replaced a worker whose broker lost its topics; asked once (a
    later restart, for another reason, is not one)."""
    return os.environ.pop(AFTER_TOPIC_LOSS, None) == "1"


def restart_on_stall(stalls: list[Stall]) -> None:
    """What the stall watch does when this worker's consumer stopped reading: restart in
    place, which rejoins the group and reads again from the committed offsets."""
    log.error("the consumer stopped reading: %s", describe(stalls))
    restart_process("restarting the worker")


def restart_process(reason: str) -> NoReturn:
    """Replace this process by a fresh run of the same command (same pid, environment,
    arguments). Like a kill and a restart, which the crash tests show loses nothing."""
    log.error("%s: exec %s", reason, " ".join(sys.orig_argv))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os.execv(sys.executable, sys.orig_argv)
