"""scripts/make_time_variants.py: the bundled variants come back byte for byte, another
seed is another draw of the same construction, and --spread-days spreads events longer."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

from tests.support.paths import ROOT

CORPUS = ROOT / "data" / "eval" / "ecbplus_dev.jsonl"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "make_time_variants.py"
    spec = importlib.util.spec_from_file_location("make_time_variants", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _times_by_event(script: ModuleType, rows: list[dict]) -> dict[str, list[datetime]]:
    return {e: [script._time(r) for r in rs] for e, rs in script._by_event(rows).items()}


def test_the_default_seed_rebuilds_the_bundled_variant(tmp_path: Path) -> None:
    (written,) = _script().build(CORPUS, tmp_path, only=["twins_spread"])
    bundled = ROOT / "data" / "eval" / "variants" / "ecbplus_dev.twins_spread.jsonl"
    assert written.name == bundled.name
    assert written.read_bytes() == bundled.read_bytes()


def test_another_seed_is_another_draw_of_the_same_construction(tmp_path: Path) -> None:
    script = _script()
    (written,) = script.build(CORPUS, tmp_path, seed=21, only=["twins_spread"])
    assert written.name == "ecbplus_dev.twins_spread.s21.jsonl"
    draw, original = _rows(written), _rows(CORPUS)
    bundled = _rows(ROOT / "data" / "eval" / "variants" / "ecbplus_dev.twins_spread.jsonl")
    labels = {r["id"]: r["event_id"] for r in original}
    assert {r["id"]: r["event_id"] for r in draw} == labels
    assert [r["published_at"] for r in draw] == sorted(r["published_at"] for r in draw)
    assert {r["id"]: r["published_at"] for r in draw} != {
        r["id"]: r["published_at"] for r in bundled
    }
    # The construction holds: the events of a topic start within 3 hours of each other,
    # and each event's articles fall within the 5 days after its start.
    times = _times_by_event(script, draw)
    starts = {e: min(ts) for e, ts in times.items()}
    assert all(max(ts) - starts[e] <= timedelta(days=5) for e, ts in times.items())
    topics: dict[str, list[datetime]] = {}
    for r in original:
        topics.setdefault(str(r["topic"]), []).append(starts[r["event_id"]])
    spans = [max(ts) - min(ts) for ts in topics.values()]
    # spread_5d after twins_3h may move an event's first article up to 5 days on
    assert all(span <= timedelta(days=5, hours=3) for span in spans)
    assert any(span > timedelta(0) for span in spans)


def test_spread_days_builds_longer_coverage_of_the_same_construction(tmp_path: Path) -> None:
    script = _script()
    five, ten = script.build(CORPUS, tmp_path, spread_days=[5, 10])
    bundled = ROOT / "data" / "eval" / "variants" / "ecbplus_dev.spread_5d.jsonl"
    assert five.read_bytes() == bundled.read_bytes()
    assert ten.name == "ecbplus_dev.spread_10d.jsonl"
    spans = [max(ts) - min(ts) for ts in _times_by_event(script, _rows(ten)).values()]
    assert all(span <= timedelta(days=10) for span in spans)
    assert max(spans) > timedelta(days=5)
