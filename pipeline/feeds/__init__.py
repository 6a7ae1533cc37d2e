"""Feeds: the bundled sample feed and seed articles (`data/`), the seeded synthetic
stream of the fault and soak tests, and the realistic generator of the benchmark."""

from pipeline.feeds.generator import FeedSpec, encode_lines, load_originals, make_feed
from pipeline.feeds.sample import bundled_feed, feed_ids, seed_articles
from pipeline.feeds.synthetic import FeedShape, SyntheticFeed

__all__ = [
    "FeedShape",
    "FeedSpec",
    "SyntheticFeed",
    "bundled_feed",
    "encode_lines",
    "feed_ids",
    "load_originals",
    "make_feed",
    "seed_articles",
]
