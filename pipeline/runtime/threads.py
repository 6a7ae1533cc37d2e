"""CPU threads: numpy's BLAS gets one, the model gets what the settings give it.

The stages' own products (a centroid matrix times one vector) are small and memory
bound: parallel BLAS threads only spin on the cores the model needs, and make them
slower too (measured: 1.8 ms instead of 0.1 ms for 4,000 centroids on a loaded 2-core
machine).
"""

from __future__ import annotations

from typing import Any

_limits: Any = None  # the limit holds while this object lives


def limit_blas_threads() -> None:
    global _limits
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(1, user_api="blas")
