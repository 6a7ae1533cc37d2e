"""`wirewatch demo`: the whole pipeline on embedded defaults, on the bundled sample feed.

Starts the local stack (embedded broker, a `wirewatch run` worker as its own process),
ingests the feed, waits until every article is in the store, prints the event clusters
and stops.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.cli.present import output_console, print_events
from pipeline.feeds import bundled_feed, feed_ids
from pipeline.kafka import ingest
from pipeline.runtime.stack import LocalStack
from pipeline.settings import Settings
from pipeline.store.url import masked


def run_demo(settings: Settings, feed: Path | None = None, timeout_s: float = 300.0) -> int:
    console = output_console()
    feed = feed or bundled_feed()
    log_dir = Path(tempfile.gettempdir())
    with LocalStack(settings, log_dir, private=False, name="wirewatch-demo") as stack:
        console.print(
            f"[bold]embedded broker[/bold] on {stack.settings.kafka_servers}; "
            f"store {masked(settings.database)}; model {settings.model}"
        )
        console.print(
            f"[bold]worker[/bold] started (pid {stack.workers[0].pid}, log {stack.worker_log(0)})"
        )
        report = ingest(stack.settings, feed)
        console.print(f"[bold]ingested[/bold] {report.sent} articles from {feed.name}")
        ids = feed_ids(feed)
        with console.status("") as status:

            def show(stored: int, total: int) -> None:
                status.update(
                    f"processing: {stored}/{total} articles stored "
                    "(the first batch waits for the model to load)"
                )

            stored = stack.wait_until_stored(ids, timeout_s, on_progress=show)
        console.print(f"[bold]stored[/bold] {stored}/{len(ids)} articles")
        clusters = stack.store.event_clusters()
    print_events(clusters, console)
    return 0
