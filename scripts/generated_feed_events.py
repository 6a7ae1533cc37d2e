"""How the benchmark's own generated feed is clustered: generated events against the
events found, and the largest one (a catch-all event would show here).

    .venv/bin/python scripts/generated_feed_events.py --articles 400 --dup-share 0.3 --seed 11

The generator's stories all come from one grammar and one word bank, so they look alike
to an embedding: only their names (city, people) tell them apart.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from pipeline.cli.eval import default_cache_dir, make_encoder
from pipeline.evaluation.replay import Corpus, replay, score
from pipeline.feeds.generator import FeedSpec, make_feed, synthetic_originals
from pipeline.settings import Settings

FIELDS = ("id", "source", "title", "body", "language", "published_at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--dup-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--model", default=None, help="as WIREWATCH_MODEL")
    args = parser.parse_args()
    spec = FeedSpec(articles=args.articles, dup_share=args.dup_share, seed=args.seed)
    feed = make_feed(spec)
    truth = {o["id"]: str(o["_event"]) for o in synthetic_originals(spec, random.Random(spec.seed))}
    labels = {a["id"]: truth[a.get("wire_copy_of") or a["id"]] for a in feed}
    messages = [{k: a[k] for k in FIELDS if a.get(k) is not None} for a in feed]
    settings = Settings(**({"model": args.model} if args.model else {}))
    corpus = Corpus("generated", messages, labels, None)
    prediction = replay(corpus, settings, make_encoder(settings, default_cache_dir()))
    report = score(corpus, prediction)
    largest = max(Counter(prediction.event_of.values()).values())
    biggest = max(Counter(labels.values()).values())
    print(
        f"{len(feed)} articles: {report.gold_events} generated events, "
        f"{report.predicted_events} found; largest found {largest} articles "
        f"(largest generated {biggest}); BCubed F1 {report.bcubed.f1:.3f}, "
        f"pairwise P {report.pairwise.precision:.3f} F1 {report.pairwise.f1:.3f}"
    )


if __name__ == "__main__":
    main()
