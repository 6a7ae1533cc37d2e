"""The feed `wirewatch bench` generates: seeded, with the asked share of wire copies, and
warm-up articles apart from it (the benchmark itself: tests/integration/test_bench.py)."""

from __future__ import annotations

from pipeline.bench.run import BenchConfig, build_feed


def test_generated_feed_is_seeded_and_has_the_asked_share_of_copies() -> None:
    feed, warm = build_feed(BenchConfig(articles=200, dup_share=0.25, seed=3))
    again, _ = build_feed(BenchConfig(articles=200, dup_share=0.25, seed=3))
    assert feed == again
    assert len(feed) == 200
    copies = [a for a in feed if "wire_copy_of" in a]
    assert len(copies) == 50
    ids = {a["id"] for a in feed}
    assert all(c["wire_copy_of"] in ids for c in copies)
    assert not ids & {a["id"] for a in warm}
