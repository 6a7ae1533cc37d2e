"""The dashboard as a real process, and the headless Chromium the browser tests drive."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.kafka.broker import port_open
from pipeline.runtime.spawn import settings_env
from pipeline.settings import Settings
from pipeline.store.store import Store
from tests.support.paths import ROOT
from tests.support.workers import wait_for

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def spawn_dashboard(settings: Settings, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`wirewatch dashboard --port PORT` with these settings; returns once it listens."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_env(settings), "WIREWATCH_LOG_FORMAT": "json"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "dashboard", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    wait_for(
        lambda: port_open("127.0.0.1", port) or process.poll() is not None,
        timeout=30,
        message="the dashboard to listen",
    )
    assert process.poll() is None, log_path.read_text()
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def has_schema(store: Store) -> bool:
    try:
        store.count_articles()
        return True
    except Exception:
        return False
