"""Memory over a long stream: does the live window really bound what the stages hold?

Runs N generated articles (pipeline/feeds/synthetic.py, with a few stories that never close)
through the same stage objects the agents use: DedupStage (validation, MinHash, LSH) and
EventStage (event index, states, SQL writes), with the hashing encoder and a SQLite
store in a temporary directory. Every `--every` articles it prints the resident memory
of the process and the size of every in-memory structure of the stages.

    .venv/bin/python benchmarks/memory_soak.py                 # 100k articles, 72 h window
    .venv/bin/python benchmarks/memory_soak.py --articles 20000 --window-h 6

Articles are 30 s apart, so a 72 h window holds about 8,640 of them: past that point
every structure should stop growing, and so should the resident memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.dedup import DedupStage
from pipeline.embedding import HashingEncoder
from pipeline.events import EventStage
from pipeline.feeds import FeedShape, SyntheticFeed
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store import Store


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sizes(dedup: DedupStage, events: EventStage) -> dict[str, int]:
    """Every in-memory structure of the two stages that grows with the stream."""
    lsh_full, lsh_lead = dedup.index._full, dedup.index._lead
    return {
        "dedup_entries": len(dedup.index._entries),
        "dedup_by_time": len(dedup.index._by_time),
        "lsh_buckets": sum(len(t) for t in (*lsh_full._tables, *lsh_lead._tables)),
        "live_events": len(events.index._events),
        "event_expiry": len(events.index._expiry),
        "event_states": len(events._states),
        "event_members": sum(len(m) for m in events._members.values()),
        "article_to_event": len(events._event_of),
        "article_expiry": len(events._article_expiry),
        # The word statistics of event matching: document frequencies of the held
        # articles, and the largest event's word vector (a never-closing story's).
        "df_terms": len(events.index._df._counts),
        # Term ids of the words compared as arrays: handed back by compacting.
        "term_ids": len(events.index._df._ids),
        "largest_event_terms": max(
            (len(e.terms) for e in events.index._events.values()), default=0
        ),
    }


def run(articles: int, every: int, window_h: float, batch: int, seed: int) -> list[dict[str, Any]]:
    directory = tempfile.mkdtemp(prefix="wirewatch-soak-")
    settings = Settings(
        database_url=f"sqlite:///{directory}/soak.db", model="hashing", live_window_h=window_h
    )
    store = Store(settings.database)
    store.create_schema()
    pipeline = InProcessPipeline(settings, store, HashingEncoder())
    dedup, events = pipeline.dedup, pipeline.events
    feed = SyntheticFeed(seed, FeedShape(story_share=0.03)).lines(articles)
    rows: list[dict[str, Any]] = []
    start = time.monotonic()
    done = 0
    print(f"store {settings.database}; window {window_h} h; resident at start {rss_mib():.1f} MiB")
    while done < articles:
        chunk = [next(feed) for _ in range(min(batch, articles - done))]
        pipeline.run_batch(chunk, datetime.now(UTC))
        previous, done = done, done + len(chunk)
        if done // every > previous // every or done == articles:
            gc.collect()
            row = {
                "articles": done,
                "rss_mib": round(rss_mib(), 1),
                "seconds": round(time.monotonic() - start, 1),
                **sizes(dedup, events),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--window-h", type=float, default=72.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = run(args.articles, args.every, args.window_h, args.batch, args.seed)
    # Past the first window, nothing should grow: compare the last point with the first
    # one taken after the window filled.
    window_articles = int(args.window_h * 3600 / 30)
    steady = [r for r in rows if r["articles"] >= 2 * window_articles] or rows[-1:]
    first, last = steady[0], rows[-1]
    print(
        f"\nfrom {first['articles']} to {last['articles']} articles: resident "
        f"{first['rss_mib']} -> {last['rss_mib']} MiB "
        f"(x{last['rss_mib'] / first['rss_mib']:.2f}); live LSH entries "
        f"{first['dedup_entries']} -> {last['dedup_entries']}, live events "
        f"{first['live_events']} -> {last['live_events']}"
    )


if __name__ == "__main__":
    main()
