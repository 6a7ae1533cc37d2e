"""Model lanes: how a worker spreads the embedding over its cores.

On a small CPU, several single-threaded encoders working on different batches side by
side use the cores better than one encoder whose every operation is split across
threads (measured on 2 cores: 70 ms instead of 83 ms of CPU per MiniLM text; see
docs/performance.md). So by default a worker runs one lane per core, each its own
copy of the model with one thread. Setting `WIREWATCH_TORCH_THREADS` sizes one lane
by hand instead; `WIREWATCH_EMBED_LANES` sets the number of lanes. A lane is a thread
of the worker, or for a model that holds the interpreter lock (the default USE v3) a
child process of its own (process.py).
"""

from __future__ import annotations

import os

from pipeline.settings import Settings


def lane_plan(settings: Settings) -> tuple[int, int]:
    """(lanes, model threads per lane) for this worker."""
    cores = os.cpu_count() or 1
    if settings.embed_lanes:
        return settings.embed_lanes, settings.torch_threads or max(1, cores // settings.embed_lanes)
    if settings.torch_threads:
        return 1, settings.torch_threads
    return cores, 1
