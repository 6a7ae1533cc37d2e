"""Build time variants of a labelled corpus, to check that event matching does not lean
on the publication times (README, Accuracy: "Robustness to time").

    .venv/bin/python scripts/make_time_variants.py data/eval/ecbplus_dev.jsonl \
        --out data/eval/variants

Writes, deterministically (fixed seed), one file per variant, `<stem>.<variant>.jsonl`:

- `original`: the corpus as it is.
- `twins_3h`: the events of each topic (the `topic` field; ECB+ topics hold two events
  of one kind) start within 3 hours of each other: every event after the first of its
  topic is shifted, its articles keeping their spacing, to start at a random time in the
  3 hours after the topic's first event starts.
- `spread_5d`: each event's articles are spread over 5 days: each gets a random time in
  the 5 days after the event's first article (coverage running for days, with gaps).
- `twins_spread`: both at once: the twins of each topic start within 3 hours of each
  other, then each event's articles are spread over the 5 days after its start (two
  stories of one kind covered side by side for days).
- `no_time`: no usable time at all: `published_at` removed and the file shuffled, so
  that neither the times nor the order of the file say anything.

The labels and every other field are kept; only `published_at` (and, for `no_time`,
the order of the lines) change.

`--seed N` makes another draw of the same construction (the bundled variants are seed
12), written as `<stem>.<variant>.s<N>.jsonl`; `--only twins_spread` builds one variant.
Scores move from draw to draw: README, Accuracy, "Robustness to time".

`--spread-days D` builds `spread_<D>d` instead: each event's articles spread over D days,
as `spread_5d` over 5 (`--spread-days 5` rebuilds it byte for byte), for coverage that
runs longer (README, "Longer coverage").
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

Record = dict[str, Any]
SEED = 12
TWIN_WINDOW = timedelta(hours=3)
SPREAD_DAYS = 5


def _time(record: Record) -> datetime:
    return datetime.fromisoformat(record["published_at"].replace("Z", "+00:00")).astimezone(UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _by_event(records: list[Record]) -> dict[str, list[Record]]:
    events: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        events[r["event_id"]].append(r)
    return events


def original(records: list[Record], rng: random.Random) -> list[Record]:
    return [dict(r) for r in records]


def twins_3h(records: list[Record], rng: random.Random) -> list[Record]:
    events = _by_event(records)
    starts = {e: min(_time(r) for r in rs) for e, rs in events.items()}
    topics: dict[str, list[str]] = defaultdict(list)
    for e in sorted(events, key=lambda e: (starts[e], e)):
        topics[str(events[e][0].get("topic", e))].append(e)
    shift: dict[str, timedelta] = {}
    for members in topics.values():
        first = starts[members[0]]
        shift[members[0]] = timedelta(0)
        for e in members[1:]:
            target = first + timedelta(seconds=rng.uniform(0, TWIN_WINDOW.total_seconds()))
            shift[e] = target - starts[e]
    out = []
    for r in records:
        moved = dict(r)
        moved["published_at"] = _iso(_time(r) + shift[r["event_id"]])
        out.append(moved)
    return sorted(out, key=lambda r: r["published_at"])


def spread(records: list[Record], rng: random.Random, days: float = SPREAD_DAYS) -> list[Record]:
    starts = {e: min(_time(r) for r in rs) for e, rs in _by_event(records).items()}
    out = []
    for r in records:
        moved = dict(r)
        offset = timedelta(seconds=rng.uniform(0, timedelta(days=days).total_seconds()))
        moved["published_at"] = _iso(starts[r["event_id"]] + offset)
        out.append(moved)
    return sorted(out, key=lambda r: r["published_at"])


def twins_spread(records: list[Record], rng: random.Random) -> list[Record]:
    return spread(twins_3h(records, rng), rng)


def no_time(records: list[Record], rng: random.Random) -> list[Record]:
    out = []
    for r in records:
        moved = dict(r)
        moved["published_at"] = None
        out.append(moved)
    rng.shuffle(out)
    return out


VARIANTS: dict[str, Callable[[list[Record], random.Random], list[Record]]] = {
    "original": original,
    "twins_3h": twins_3h,
    "spread_5d": spread,
    "no_time": no_time,
    "twins_spread": twins_spread,
}


def build(
    path: Path,
    out_dir: Path,
    seed: int = SEED,
    only: list[str] | None = None,
    spread_days: list[int] | None = None,
) -> list[Path]:
    """Write the variants named in `only` (all by default), or with `spread_days` one
    `spread_<D>d` for each D instead."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    out_dir.mkdir(parents=True, exist_ok=True)
    draw = "" if seed == SEED else f".s{seed}"
    variants = (
        {f"spread_{d}d": partial(spread, days=d) for d in spread_days}
        if spread_days
        else {name: VARIANTS[name] for name in only or VARIANTS}
    )
    written = []
    for name, variant in variants.items():
        file = out_dir / f"{path.stem}.{name}{draw}.jsonl"
        rows = variant(records, random.Random(f"{seed}:{name}"))
        file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        written.append(file)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, default=Path("data/eval/variants"))
    parser.add_argument("--seed", type=int, default=SEED, help="draw (default %(default)s)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--only", action="append", choices=list(VARIANTS), help="this variant")
    which.add_argument(
        "--spread-days",
        action="append",
        type=int,
        metavar="D",
        help="spread_<D>d: each event over D days (instead of the variants)",
    )
    args = parser.parse_args()
    if any(d < 1 for d in args.spread_days or []):
        parser.error("--spread-days must be at least 1")
    for file in build(args.corpus, args.out, args.seed, args.only, args.spread_days):
        print(file)


if __name__ == "__main__":
    main()
