"""`wirewatch bench` on a tiny feed with the hashing model, on a real embedded broker and
a real worker process: it runs to the end and prints one JSON object with every figure.
No timing is asserted: the benchmark prints numbers, it does not judge them. (The feed it
generates: tests/unit/bench/test_feed.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]

KEYS = {
    "encode_per_s",
    "pipeline_per_s",
    "ratio",
    "dedup_per_s",
    "latency_ms",
    "peak_rss_mb",
    "articles",
    "dup_share",
}


def test_bench_prints_every_figure_as_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "WIREWATCH_MODEL": "hashing",
        "WIREWATCH_SESSION_TIMEOUT_S": "6",
        "TMPDIR": str(tmp_path),  # where its working directory goes
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "bench", "--articles", "60", "--dup-share",
         "0.5", "--scale", "500,1000", "--json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert set(result) >= KEYS
    assert result["articles"] == 60 and result["dup_share"] == 0.5
    assert set(result["latency_ms"]) == {"p50", "p95", "p99"}
    for key in ("encode_per_s", "pipeline_per_s", "ratio", "dedup_per_s", "peak_rss_mb"):
        assert result[key] > 0, key
    assert all(v > 0 for v in result["latency_ms"].values())
    details = result["details"]
    # The pipeline embedded what the dedup stage found unique, and no more.
    assert details["embedded"] == details["encode_texts"]
    assert [row["stored"] for row in details["scale"]] == [500, 1000]
    assert all(row["held_events"] >= row["live_events"] > 0 for row in details["scale"])
    # The machine's cores in use during the burst: the workers at least, at most them all.
    assert 0 < details["cores_busy"] <= details["machine"]["cores"]
    # Its stores and logs went with a successful run.
    assert not list(tmp_path.glob("wirewatch-bench-*"))


def test_bench_splits_the_stages_among_workers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "WIREWATCH_MODEL": "hashing", "WIREWATCH_SESSION_TIMEOUT_S": "6"}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "bench", "--articles", "60", "--dup-share",
         "0.3", "--scale", "", "--stages", "dedup,embed", "--stages", "events"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 worker(s)" in done.stdout
    # Each worker's own CPU per article: both took part.
    for stages in ("dedup, embed", "events"):
        line = next(x for x in done.stdout.splitlines() if f"({stages}):" in x)
        assert float(line.rsplit(":", 1)[1].removesuffix(" ms")) > 0, line
