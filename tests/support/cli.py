"""`wirewatch` commands as a user runs them, on the one-command default (no bootstrap
servers: the embedded broker), each test with its own broker port, state directory and
SQLite store."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.kafka.broker import free_port, port_open
from tests.support.paths import OUTPUT, ROOT
from tests.support.workers import wait_for

CLI = [sys.executable, "-m", "pipeline.cli"]


def free_port_pair(host: str = "127.0.0.1") -> int:
    """A free port whose next one is free too: a split `wirewatch run` gives its second
    worker the next web port. Not just `free_port()`: Linux hands out odd ports to bind(0)
    and even ones to outgoing connections, so the port after a free one is often taken."""
    for _ in range(100):
        with socket.socket() as first, socket.socket() as second:
            first.bind((host, 0))
            port = int(first.getsockname()[1])
            try:
                second.bind((host, port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two consecutive free ports")


@dataclass
class Default:
    """The environment of a user who sets nothing but a model, ports and a store."""

    tmp: Path
    name: str
    broker_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)  # WIREWATCH_* set on top

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.tmp / 'wirewatch.db'}"

    @property
    def servers(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
        env.update(
            WIREWATCH_MODEL="hashing",
            WIREWATCH_BROKER_PORT=str(self.broker_port),
            WIREWATCH_DATABASE_URL=self.database_url,
            WIREWATCH_STATE_DIR=str(self.tmp / "state"),
            WIREWATCH_SESSION_TIMEOUT_S="6",
            # One process, whatever the cores: tests/integration/test_split_run.py splits.
            WIREWATCH_SPLIT="off",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.settings)
        return env

    def log_path(self, what: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        return OUTPUT / f"{self.name}-{what}.log"

    def run(self, what: str = "run") -> subprocess.Popen[bytes]:
        """`wirewatch run` in the background, its output in test-output/."""
        return self.run_with(what)

    def run_with(self, what: str, *args: str) -> subprocess.Popen[bytes]:
        """`wirewatch run ARGS` in the background, its output in test-output/WHAT.log."""
        log_path = self.log_path(what)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [*CLI, "run", "--web-port", str(free_port_pair()), *args],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)

        def broker_answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(
                    f"`wirewatch run` exited ({process.returncode}) before its broker answered:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            return port_open("127.0.0.1", self.broker_port)

        wait_for(broker_answers, 60, message="the broker")
        return process

    def command(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def close(self) -> None:
        """Kill what the test started, then the broker it left running."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        self.command("broker", "--stop", timeout=30)
        record = self.tmp / "state" / f"broker-127.0.0.1-{self.broker_port}.json"
        if record.exists():  # --stop failed: do not leave a broker behind
            with contextlib.suppress(ProcessLookupError, ValueError, KeyError):
                os.kill(json.loads(record.read_text())["pid"], signal.SIGKILL)
