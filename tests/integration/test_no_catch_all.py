"""No catch-all events (issue 12): on the benchmark's own generated feed, whose stories
all look alike to an embedding (one grammar, one word bank), events keep to their own
story instead of growing into one that swallows the stream. Through the in-process
pipeline (dedup, hashing encoder, event stage, SQLite in memory)."""

from __future__ import annotations

import random
from collections import Counter

from pipeline.embedding.encoder import HashingEncoder
from pipeline.feeds.generator import FeedSpec, encode_lines, make_feed, synthetic_originals
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store


def _run(spec: FeedSpec) -> tuple[dict[str, str], dict[str, str], list[int]]:
    """Gold event and event of every article at the end (after parts moved as their
    evidence grew), and the largest open event after each batch."""
    feed = make_feed(spec)
    truth = {o["id"]: str(o["_event"]) for o in synthetic_originals(spec, random.Random(spec.seed))}
    gold = {a["id"]: truth[a.get("wire_copy_of") or a["id"]] for a in feed}
    store = Store("sqlite://")
    store.create_schema()
    pipeline = InProcessPipeline(Settings(model="hashing"), store, HashingEncoder())
    largest = [batch.events.largest_event for batch in pipeline.run(encode_lines(feed))]
    placed = {a: p.event_id for a, p in store.article_placements().items()}
    store.close()
    return gold, placed, largest


def test_the_generated_feed_does_not_collapse() -> None:
    # As a new user would try it: 400 articles, 30 % copies (130 generated events).
    gold, placed, _ = _run(FeedSpec(articles=400, dup_share=0.3, seed=11))
    assert len(set(gold.values())) == 130
    sizes = Counter(placed.values())
    # It was 12 events, one of them holding 367 articles. The hashing encoder is a crude
    # stand-in for a model (with MiniLM: 104 events, the largest 17 articles).
    assert len(sizes) >= 80
    biggest_story = max(Counter(gold.values()).values())  # 12 articles
    assert max(sizes.values()) <= 4 * biggest_story


def test_a_long_stream_grows_no_catch_all_event() -> None:
    gold, _, largest = _run(FeedSpec(articles=1500, dup_share=0.3, seed=5))
    biggest_story = max(Counter(gold.values()).values())  # 20 articles
    # At no point of the stream does an open event grow past twice the largest story.
    assert max(largest) <= 2 * biggest_story
