"""Workers as child processes: `wirewatch run` with given settings, and its stop.

Kept apart from `worker.py` so that the local stack, the demo and the benchmark start
workers without importing faust themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pipeline.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as WIREWATCH_* variables, to hand them to a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"WIREWATCH_{name.upper()}"] = str(value)
    return env


def spawn_worker(settings: Settings, log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """`wirewatch run` with these settings in a child process, its output to log_path."""
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    for name, value in settings.model_dump().items():
        if value is None:  # unset here: not to come back from this process's environment
            env.pop(f"WIREWATCH_{name.upper()}", None)
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "run", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not stopped within 30 s."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
