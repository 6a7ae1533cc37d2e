"""`wirewatch demo`: the whole pipeline on embedded defaults, on the bundled sample feed.

Starts the embedded broker, a worker (`wirewatch run`, as its own process), ingests the
feed, waits until every article is in the store, prints the event clusters and stops.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path

from rich.console import Console

from pipeline.broker import EmbeddedBroker, free_port, port_open
from pipeline.errors import WirewatchError
from pipeline.ingest import ingest
from pipeline.present import output_console, print_events
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.worker import spawn_worker, stop_worker


def bundled_feed() -> Path:
    return Path(str(resources.files("pipeline") / "data" / "sample_feed.jsonl"))


def feed_ids(path: Path) -> set[str]:
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            ids.add(json.loads(line)["id"])
    return ids


def run_demo(settings: Settings, feed: Path | None = None, timeout_s: float = 300.0) -> int:
    console = output_console()
    feed = feed or bundled_feed()
    port = settings.broker_port
    if port_open(settings.broker_host, port):
        port = free_port(settings.broker_host)
    log_path = Path(tempfile.gettempdir()) / "wirewatch-demo-worker.log"
    store = Store(settings.database)
    store.create_schema()
    with EmbeddedBroker(settings.broker_host, port) as broker:
        settings = settings.model_copy(update={"bootstrap_servers": broker.bootstrap_servers})
        console.print(
            f"[bold]embedded broker[/bold] on {broker.bootstrap_servers}; "
            f"store {settings.database}; model {settings.model}"
        )
        worker = spawn_worker(settings, log_path)
        try:
            console.print(f"[bold]worker[/bold] started (pid {worker.pid}, log {log_path})")
            report = ingest(settings, feed)
            console.print(f"[bold]ingested[/bold] {report.sent} articles from {feed.name}")
            _wait_until_stored(store, feed_ids(feed), worker, log_path, timeout_s, console)
        finally:
            stop_worker(worker)
    print_events(store.event_clusters(), console)
    return 0


def _wait_until_stored(
    store: Store,
    ids: set[str],
    worker: subprocess.Popen[bytes],
    log_path: Path,
    timeout_s: float,
    console: Console,
) -> None:
    deadline = time.monotonic() + timeout_s
    with console.status("") as status:
        while True:
            stored = len(store.stored_articles(ids))
            status.update(
                f"processing: {stored}/{len(ids)} articles stored "
                "(the first batch waits for the model to load)"
            )
            if stored == len(ids):
                console.print(f"[bold]stored[/bold] {stored}/{len(ids)} articles")
                return
            if worker.poll() is not None:
                raise WirewatchError(
                    f"the worker exited with code {worker.returncode}; see {log_path}"
                )
            if time.monotonic() > deadline:
                raise WirewatchError(
                    f"only {stored}/{len(ids)} articles stored after "
                    f"{timeout_s:.0f}s; see {log_path}"
                )
            time.sleep(0.5)
