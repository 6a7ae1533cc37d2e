"""The running pipeline: the faust app and what its agents share, the worker process
and its recovery, agent isolation, Prometheus metrics, and the one local stack
(embedded broker, store, workers) of `demo`, `eval --through-broker` and `bench`.

faust is imported only by `app`, `services` and `worker`: the names below load lazily,
so that the stack and the metrics can be used without it."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "create_app": "pipeline.runtime.app",
    "Services": "pipeline.runtime.services",
    "Topics": "pipeline.runtime.services",
    "run_worker": "pipeline.runtime.worker",
    "spawn_worker": "pipeline.runtime.spawn",
    "stop_worker": "pipeline.runtime.spawn",
    "LocalStack": "pipeline.runtime.stack",
    "isolate": "pipeline.runtime.isolation",
    "Failed": "pipeline.runtime.isolation",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'pipeline.runtime' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
