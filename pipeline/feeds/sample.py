"""The files that ship in `data/`: the sample feed of `wirewatch demo` and the five seed
articles (one event, independent reports; see `data/README.md` for sources and licence)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path


def _data(name: str) -> Path:
    return Path(str(resources.files("pipeline.feeds") / "data" / name))


def bundled_feed() -> Path:
    return _data("sample_feed.jsonl")


def seed_articles() -> Path:
    return _data("seed_articles.jsonl")


def feed_ids(path: Path) -> set[str]:
    """The article ids of a JSON Lines feed."""
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            ids.add(json.loads(line)["id"])
    return ids
