"""Issue 13, item 10: `wirewatch run` starts quietly (no faust internals, no model
progress bars, no line twice, every line structured) and a port in use is one clear
error line."""

from __future__ import annotations

import re
import signal
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.kafka.broker import free_port
from tests.support.cli import Default
from tests.support.workers import wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def default(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Default]:
    user = Default(tmp_path, request.node.name)
    yield user
    user.close()


def test_the_worker_starts_quietly_with_the_bundled_model(default: Default) -> None:
    worker = default.run_with("run", "--model", "minilm")
    log_path = default.log_path("run")
    ready = "[^Worker]: Ready"
    wait_for(lambda: ready in log_path.read_text(), 180, message="the worker")
    wait_for(lambda: log_path.read_text().count("loading the model") >= 2, 120, message="lanes")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    lines = log_path.read_text().splitlines()
    start = lines[: next(n for n, line in enumerate(lines) if ready in line) + 1]
    assert len(start) <= 12, "\n".join(start)
    assert all(line.startswith("ts=") for line in lines), "\n".join(lines)
    messages = Counter(re.sub(r"^ts=\S+ ", "", line) for line in lines)
    assert [m for m, n in messages.items() if n > 1] == []
    assert not [line for line in lines if "it/s]" in line or "mode.redirect" in line]
    assert not [line for line in lines if "level=info logger=faust.transport" in line]
    assert not [line for line in lines if "level=error" in line]  # a clean start and stop


def test_a_web_port_in_use_is_one_clear_error_line(default: Default) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        out = default.command("run", "--web-port", str(port), timeout=90)
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"web port {port}" in errors[0], out.stdout + out.stderr
