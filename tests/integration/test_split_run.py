"""`wirewatch run` as two processes (WIREWATCH_SPLIT): a worker for dedup and the
embedding, another for the event stage, each single writer in its own, the parent only
supervising. It gives the pipeline's result, stops cleanly on a signal, takes its workers
with it when it is killed, and does not leave half a pipeline running."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.feeds import bundled_feed
from pipeline.kafka.broker import port_open
from pipeline.kafka.detached import process_alive
from pipeline.runtime.cores import parse_cpus
from pipeline.store.store import Store
from tests.support.cli import Default, free_port_pair
from tests.support.workers import wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def default(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Default]:
    user = Default(tmp_path, request.node.name, settings={"WIREWATCH_SPLIT": "on"})
    yield user
    user.close()


def start(default: Default) -> tuple[subprocess.Popen[bytes], list[int]]:
    """`wirewatch run`, ready: the parent and its two workers' pids."""
    run = default.run()
    log = default.log_path("run")
    wait_for(lambda: log.read_text().count("[^Worker]: Ready") == 2, 180, message="both workers")
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text()
    return run, [int(pid) for pid in children.split()]


def single_writers(log: str) -> dict[str, str]:
    """Each worker's (by its stages) single writers at its last rebalance."""
    found = re.findall(r'single writers here: ([a-z, ]+)" stages=(\S+)', log)
    return {stages: writers for writers, stages in found}


def test_a_split_run_places_the_feed_and_stops_cleanly(default: Default, db_url: str) -> None:
    default.settings["WIREWATCH_DATABASE_URL"] = db_url  # SQLite, then PostgreSQL
    run, workers = start(default)
    assert len(workers) == 2
    ingest = default.command("ingest", str(bundled_feed()))
    assert ingest.returncode == 0, ingest.stderr
    feed = [json.loads(line) for line in bundled_feed().read_text().splitlines() if line]
    store = Store(db_url)
    try:
        wait_for(lambda: store.count_articles() == len(feed), 120, message="the feed stored")
        event_of = {a["id"]: c["event_id"] for c in store.event_clusters() for a in c["articles"]}
    finally:
        store.close()
    for article in feed:
        if "wire_copy_of" in article:
            assert event_of[article["id"]] == event_of[article["wire_copy_of"]]

    log = default.log_path("run").read_text()
    assert single_writers(log) == {"dedup,embed": "dedup", "events": "events, corrections"}
    assert "database does not answer" not in log  # the schema made once, by the parent

    run.send_signal(signal.SIGINT)
    assert run.wait(60) == 0
    assert not any(process_alive(pid) for pid in workers)
    assert not port_open("127.0.0.1", default.broker_port)  # the last worker stopped it


def cores_of(pid: int, thread: int | None = None) -> set[frozenset[int]]:
    """The cores each thread of the process (or this one thread) may run on, as found."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        if thread is not None and task.name != str(thread):
            continue
        status = (task / "status").read_text().splitlines()
        listed = next(line.split()[1] for line in status if line.startswith("Cpus_allowed_list"))
        found.add(parse_cpus(listed))
    return found


def stages_of(pid: int) -> str:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return next(e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"WIREWATCH_STAGES="))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: nothing to pin")
def test_the_event_stage_s_worker_has_a_core_of_its_own(default: Default) -> None:
    cores = sorted(os.sched_getaffinity(0))
    run, workers = start(default)
    try:
        by_stages = {stages_of(pid): pid for pid in workers}
        # Every thread of the events worker; the other's own (the model's may use any core).
        assert cores_of(by_stages["events"]) == {frozenset(cores[-1:])}
        front = by_stages["dedup,embed"]
        assert cores_of(front, thread=front) == {frozenset(cores[:-1])}
        # The embedded broker a worker started serves both: it may run on every core.
        broker = subprocess.run(
            ["pgrep", "-f", f"tansu.*127.0.0.1:{default.broker_port}"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(broker) == 1
        assert cores_of(int(broker[0])) == {frozenset(cores)}
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(60)


def test_a_killed_run_takes_its_workers_with_it(default: Default) -> None:
    run, workers = start(default)
    run.kill()
    run.wait(10)
    wait_for(lambda: not any(process_alive(pid) for pid in workers), 10, message="the workers gone")


def test_a_worker_that_ends_stops_the_other(default: Default) -> None:
    run, workers = start(default)
    log = default.log_path("run").read_text()
    events = int(re.findall(r"worker for events started \(pid (\d+)", log)[0])
    assert events in workers
    os.kill(events, signal.SIGKILL)
    assert run.wait(60) == 128 + signal.SIGKILL
    assert not any(process_alive(pid) for pid in workers)
    log = default.log_path("run").read_text()
    assert "the worker for events exited with code -9: stopping the other" in log


def test_a_web_port_the_second_worker_cannot_have_is_one_clear_error(default: Default) -> None:
    port = free_port_pair()
    with socket.create_server(("127.0.0.1", port + 1)):
        taken = default.command("run", "--web-port", str(port), timeout=60)
    last = default.command("run", "--web-port", "65535", timeout=60)
    for out, said in ((taken, f"web port {port + 1}"), (last, "no next one")):
        assert out.returncode == 1
        errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and said in errors[0], out.stdout + out.stderr
        assert "Traceback" not in out.stdout + out.stderr
