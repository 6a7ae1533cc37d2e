"""A model lane in a child process: the same vectors as in the worker's own process, a
child that dies is replaced, and a lane whose worker is killed outright leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pipeline.embedding import HashingEncoder, ProcessEncoder, runs_in_processes

TEXTS = ["Floodwater rose through the lower town overnight", "The mayor ordered an evacuation"]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def lane() -> Iterator[ProcessEncoder]:
    encoder = ProcessEncoder("hashing")
    yield encoder
    encoder.close()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(c) for c in task.read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _model_children(pid: int) -> list[int]:
    return [c for c in _children(pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def test_the_profiles_that_hold_the_interpreter_lock_run_in_processes() -> None:
    assert runs_in_processes("use-m3", None)
    assert not runs_in_processes("minilm", None) and not runs_in_processes("hashing", None)
    assert runs_in_processes("hashing", True) and not runs_in_processes("use-m3", False)


def test_a_lane_in_a_process_gives_the_same_vectors(lane: ProcessEncoder) -> None:
    assert (lane.name, lane.dimension) == ("hashing", 512)
    assert np.array_equal(lane.encode(TEXTS), HashingEncoder().encode(TEXTS))
    assert lane.encode([]).shape == (0, 512)


def test_a_lane_whose_process_died_starts_another(lane: ProcessEncoder) -> None:
    lane.encode(TEXTS)
    (child,) = _model_children(os.getpid())
    os.kill(child, signal.SIGKILL)
    while _alive(child):
        time.sleep(0.05)
    assert np.array_equal(lane.encode(TEXTS), HashingEncoder().encode(TEXTS))
    assert _model_children(os.getpid()) != [child]


def test_a_lane_leaves_when_its_worker_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys, time\n"
        "from pipeline.embedding import ProcessEncoder\n"
        "if __name__ == '__main__':\n"
        "    lane = ProcessEncoder('hashing')\n"
        "    lane.encode(['ready'])\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(120)\n"
    )
    worker = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        (child,) = _model_children(worker.pid)
        worker.kill()
        worker.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the lane outlived its killed worker"
    finally:
        worker.kill()
