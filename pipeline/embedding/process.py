"""A model lane in a child process of its own.

The default profile (USE v3 in numpy, `universal.py`) holds Python's global interpreter
lock for much of its work: its tokeniser is pure Python, and its many small array
operations each take the lock. Two lanes as threads of the worker then reach only 1.57x
one lane, and they wait on the same lock as the dedup and event stages, the JSON and the
Kafka client: measured, the worker used 1.38 of the 2 cores. A lane in a child process
has a lock of its own. The worker sends it the texts of a batch and gets the vectors
back (a few hundred kilobytes a batch, nothing next to the model's work).

`ProcessEncoder` is an `Encoder`: `encode` blocks the calling thread (a lane thread of
the worker) until the child answers. A child that dies (killed, out of memory) is
replaced and the batch sent once more; a batch that kills its child twice is raised, and
the agent dead-letters what fails on its own. A lane whose worker was killed outright
leaves within a second. As with any "spawn" child, the program's main module must be
guarded (`if __name__ == "__main__":`), as `python -m pipeline.cli` and the `wirewatch`
script are: the child imports it again.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

log = logging.getLogger("wirewatch")

# Profiles whose encoders hold the interpreter lock while they work (see above).
LOCK_BOUND_PROFILES = frozenset({"use-m3"})
PARENT_CHECK_S = 1.0


def runs_in_processes(spec: str, setting: bool | None) -> bool:
    """Whether the lanes of this profile run in child processes: as set, or by profile."""
    return spec in LOCK_BOUND_PROFILES if setting is None else setting


class ProcessEncoder:
    """The encoder of `spec`, loaded and run in one child process."""

    def __init__(self, spec: str, *, batch_size: int = 32, threads: int = 0) -> None:
        self._spec = (spec, batch_size, threads)
        self._restart = threading.Lock()  # two threads may find the child dead at once
        self._pool = self._start()
        self.name, self.dimension = self._pool.submit(_describe).result()

    def _start(self) -> ProcessPoolExecutor:
        # "spawn": the worker has threads (Kafka client, lanes, store) that a fork would copy
        # in whatever state they were.
        return ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load,
            initargs=self._spec,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batch = list(texts)
        pool = self._pool
        try:
            return pool.submit(_encode, batch).result()
        except BrokenProcessPool:
            with self._restart:
                if self._pool is pool:  # not yet replaced by another thread
                    log.warning("the model lane's process died; starting another")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._start()
            return self._pool.submit(_encode, batch).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# -- in the child ------------------------------------------------------------------------

_encoder = None
_limits = None  # the BLAS thread limit holds while this object lives


def _load(spec: str, batch_size: int, threads: int) -> None:
    global _encoder, _limits
    from threadpoolctl import threadpool_limits

    from pipeline.embedding.encoder import load_encoder
    from pipeline.runtime.cores import unpin

    unpin()  # the model may use every core its worker could: it is the limit here
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    _limits = threadpool_limits(max(1, threads), user_api="blas")  # one lane's threads
    _encoder = load_encoder(spec, batch_size=batch_size, threads=threads)


def _exit_with(parent: int) -> None:
    """A worker killed outright cannot stop its lanes: they leave when they see it gone,
    rather than hold a model's memory until the machine restarts."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _describe() -> tuple[str, int]:
    assert _encoder is not None
    return _encoder.name, _encoder.dimension


def _encode(texts: list[str]) -> np.ndarray:
    assert _encoder is not None
    return _encoder.encode(texts)
