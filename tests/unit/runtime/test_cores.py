"""WIREWATCH_CPUS and WIREWATCH_PIN_CORES: the split gives the event stage's worker a core
of its own; a worker pins every thread it has and starts; the model's threads and
processes, and a broker it starts, go back to the cores it had."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.runtime.cores import available_cpus, format_cpus, parse_cpus, pin, split_cpus
from pipeline.runtime.split import SPLIT
from pipeline.runtime.stack import LocalStack
from pipeline.settings import Settings


def test_cores_are_read_as_taskset_lists_them() -> None:
    assert parse_cpus("0-2,5") == {0, 1, 2, 5}
    assert parse_cpus(" 3 ") == {3}
    assert parse_cpus("") == frozenset()
    assert format_cpus({5, 0, 2}) == "0,2,5"
    assert Settings(cpus="2,0-1").cpus == "0,1,2"
    for wrong in ("1-0", "a", "1-", "-1", "0;1"):
        with pytest.raises(ValueError, match="cores are listed as"):
            parse_cpus(wrong)
    with pytest.raises(ValidationError, match="cores are listed as"):
        Settings(cpus="1-0")


def test_the_event_stage_s_worker_gets_the_last_core_and_the_other_the_rest() -> None:
    assert split_cpus(SPLIT, {0, 1}) == ["0", "1"]
    assert split_cpus(SPLIT, range(8)) == ["0,1,2,3,4,5,6", "7"]
    assert split_cpus(SPLIT, {2, 5, 9}) == ["2,5", "9"]  # as a taskset left them
    assert split_cpus(("dedup", "embed", "events"), {0, 1}) == ["0", "0", "1"]


def test_nothing_is_pinned_where_no_worker_runs_the_event_stage_alone() -> None:
    assert split_cpus(SPLIT, {0}) == ["", ""]  # one core
    assert split_cpus(("dedup,embed,events",), {0, 1}) == [""]
    assert split_cpus(("dedup,events", "embed"), {0, 1}) == ["", ""]
    assert split_cpus(("dedup,embed", "embed"), {0, 1}) == ["", ""]


def test_where_the_system_does_not_tell_the_cores_nothing_is_pinned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.delattr(os, "sched_setaffinity")
    assert available_cpus() == frozenset()
    assert split_cpus(SPLIT, available_cpus()) == ["", ""]
    with pytest.raises(OSError, match="on Linux only"):
        pin(frozenset({0}))


def test_the_local_stack_pins_its_split_workers_unless_told_not_to(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pin.db'}")
    cores = sorted(os.sched_getaffinity(0))
    for pin_cores in (True, False):
        stack = LocalStack(
            settings.model_copy(update={"pin_cores": pin_cores}),
            tmp_path,
            workers=2,
            stages=SPLIT,
        )
        try:
            cpus = [stack._worker_settings(n).cpus for n in range(2)]
        finally:
            stack.close()
        if pin_cores and len(cores) > 1:
            assert cpus == [format_cpus(cores[:-1]), str(cores[-1])]
        else:
            assert cpus == ["", ""]


# Run in a process of its own: a worker's pin holds for the whole process.
PINNED_CHILD = """
import json, multiprocessing, os, sys, threading
from concurrent.futures import ThreadPoolExecutor
from pipeline.runtime.cores import parse_cpus, pin, unpin

def affinity(tid):
    status = open(f"/proc/self/task/{tid}/status").read()
    return next(l.split()[1] for l in status.splitlines() if l.startswith("Cpus_allowed_list"))

def lane(queue):
    unpin()
    queue.put(sorted(os.sched_getaffinity(0)))

if __name__ == "__main__":
    before = threading.Event()
    threading.Thread(target=before.wait, daemon=True).start()  # a thread from before the pin
    pin(parse_cpus(sys.argv[1]))
    after = threading.Event()
    threading.Thread(target=after.wait, daemon=True).start()
    threads = {tid: affinity(tid) for tid in os.listdir("/proc/self/task")}
    queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=lane, args=(queue,))
    child.start()
    with ThreadPoolExecutor(1, initializer=unpin) as pool:  # as the model's threads
        lane_thread = pool.submit(lambda: sorted(os.sched_getaffinity(0))).result()
    seen = {"threads": threads, "lane": queue.get(timeout=60), "lane_thread": lane_thread}
    print(json.dumps(seen))
    child.join()
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores to tell them apart")
def test_a_pinned_process_pins_every_thread_and_its_model_lanes_go_back(tmp_path: Path) -> None:
    cores = sorted(os.sched_getaffinity(0))
    script = tmp_path / "pinned.py"
    script.write_text(PINNED_CHILD)
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("WIREWATCH_CPUS_BEFORE_PIN", None)
    out = subprocess.run(
        [sys.executable, str(script), str(cores[-1])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    seen = json.loads(out.stdout)
    assert len(seen["threads"]) >= 3
    assert set(seen["threads"].values()) == {str(cores[-1])}
    assert seen["lane"] == cores
    assert seen["lane_thread"] == cores


def test_cores_the_process_may_not_use_are_one_clear_error() -> None:
    code = (
        "from pipeline.runtime.worker import pin_to\n"
        "from pipeline.errors import ConfigurationError\n"
        "try:\n    pin_to('4095')\nexcept ConfigurationError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert "WIREWATCH_CPUS=4095: this process may run on cores" in out.stdout
