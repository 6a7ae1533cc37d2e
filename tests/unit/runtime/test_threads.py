"""The BLAS libraries get one thread each, whenever they are loaded: the stages' small
products only spin on the cores the model needs otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# In a fresh interpreter: the limit is asked for before numpy is imported (as a script
# that calls it first does), and scipy's OpenBLAS is loaded after it.
_PROBE = """
from pipeline.runtime.threads import limit_blas_threads
limit_blas_threads()
import json, numpy, scipy.linalg, threadpoolctl
print(json.dumps([i["num_threads"] for i in threadpoolctl.threadpool_info()
                  if i["user_api"] == "blas"]))
"""


def test_every_blas_library_runs_one_thread_even_when_loaded_after_the_limit() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True
    )
    threads = json.loads(out.stdout)
    assert len(threads) >= 2  # numpy's OpenBLAS and scipy's
    assert set(threads) == {1}
