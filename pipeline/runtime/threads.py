"""CPU threads: numpy's BLAS gets one, the model gets what the settings give it.

The stages' own products (a centroid matrix times one vector) are small and memory
bound: parallel BLAS threads only spin on the cores the model needs, and make them
slower too (measured: 1.8 ms instead of 0.1 ms for 4,000 centroids on a loaded 2-core
machine).
"""

from __future__ import annotations

import os
from typing import Any

_limits: Any = None  # the limit holds while this object lives


def limit_blas_threads() -> None:
    """One thread for every BLAS library: those loaded now (numpy's first: a limit only
    reaches a loaded library) and OpenBLAS copies loaded later (scipy's, by scikit-learn)."""
    global _limits
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _limits = threadpool_limits(1, user_api="blas")
