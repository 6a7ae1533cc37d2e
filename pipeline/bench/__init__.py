"""`wirewatch bench`: the real pipeline against the raw speed of its model, in one run,
and the stages measured alone on the same objects."""

from pipeline.bench.run import BenchConfig, BenchResult, run_bench
from pipeline.bench.stages import dedup_alone, encode_baseline, events_alone, matching_vs_history

__all__ = [
    "BenchConfig",
    "BenchResult",
    "dedup_alone",
    "encode_baseline",
    "events_alone",
    "matching_vs_history",
    "run_bench",
]
