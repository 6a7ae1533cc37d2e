"""Workers as child processes: `wirewatch run` with given settings, and its stop.

Kept apart from `worker.py` so that the local stack, the demo and the benchmark start
workers without importing faust themselves."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

PR_SET_PDEATHSIG = 1  # prctl(2)


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


def spawn_worker(
    settings: Settings, log_path: Path | None, *args: str, supervised: bool = False
) -> subprocess.Popen[bytes]:
    """`wirewatch run` with these settings in a child process, its output to log_path (None:
    this process's own). A `supervised` child dies with this process, and a Ctrl-C in the
    terminal reaches this process only (which stops it)."""
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    for name, value in settings.model_dump().items():
        if value is None:  # unset here: not to come back from this process's environment
            env.pop(f"WIREWATCH_{name.upper()}", None)
    command = [sys.executable, "-m", "pipeline.cli", "run", *args]
    options: dict[str, Any] = {}
    if supervised:
        options = {"process_group": 0, "preexec_fn": _die_with(os.getpid())}
    with open(log_path, "wb") if log_path else contextlib.nullcontext() as log:
        return subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            **options,
        )


def _die_with(parent: int) -> Callable[[], None] | None:
    """In the child, before it runs: be killed when `parent` ends, however it ends (even
    SIGKILL), as the one process it replaces would have been (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return None

    def set_parent_death_signal() -> None:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it ended before the signal was set
            os._exit(1)

    return set_parent_death_signal


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not stopped within 30 s."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
