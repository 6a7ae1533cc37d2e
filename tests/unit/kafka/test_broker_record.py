"""The record of a detached broker: a process that ended (or is a zombie) is no broker,
and its record is removed; `broker --stop` with nothing recorded says so."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from pipeline.kafka.detached import BrokerRecord, DetachedBroker, process_alive, read_record
from pipeline.settings import Settings


def test_an_ended_process_is_not_alive_even_as_a_zombie() -> None:
    child = subprocess.Popen(["sleep", "30"])
    assert process_alive(child.pid)
    child.kill()
    # Never waited for: a zombie once the signal lands, which process_alive calls dead.
    deadline = time.monotonic() + 5
    while process_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not process_alive(child.pid)


def test_a_stale_record_is_removed(tmp_path: Path) -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    path = tmp_path / "broker-127.0.0.1-1.json"
    path.write_text(json.dumps(BrokerRecord(ended.pid, "127.0.0.1", 1, "log").__dict__))
    assert read_record(path) is None
    assert not path.exists()


def test_stop_with_nothing_recorded(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, broker_port=1)
    assert DetachedBroker(settings).stop_if_unused() is None
