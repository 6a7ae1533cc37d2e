"""Where things are: the repository root (tests/support/ is two levels below it) and the
folder the tests write their logs and figures to."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
SEED_ARTICLES = ROOT / "pipeline" / "feeds" / "data" / "seed_articles.jsonl"
