"""pipeline/evaluation/sweep.py: the grid of `wirewatch eval --sweep` (threshold values,
`--vary` settings), the replay of a tiny corpus at every point with the hashing encoder,
and the choice of the best point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.embedding.encoder import HashingEncoder
from pipeline.evaluation.replay import Corpus, Report, load_corpus
from pipeline.evaluation.scores import Scores
from pipeline.evaluation.sweep import SweepPoint, best, parse_values, parse_vary, run_sweep
from pipeline.settings import Settings

# Two events, two reports each, a minute apart: the hashing encoder sees their words.
ARTICLES = [
    (
        "flood-1",
        "River floods the lower town",
        "The river burst its banks overnight and flooded the lower town; the mayor "
        "ordered an evacuation of four streets.",
        "flood",
    ),
    (
        "budget-1",
        "Parliament passes the budget",
        "Parliament passed the budget after a night of debate; three amendments on "
        "pensions were adopted.",
        "budget",
    ),
    (
        "flood-2",
        "Lower town evacuated as river floods",
        "Four streets of the lower town were evacuated after the river burst its banks "
        "and flooded overnight.",
        "flood",
    ),
    (
        "budget-2",
        "Budget passes parliament after debate",
        "After a night of debate, parliament passed the budget with three amendments on pensions.",
        "budget",
    ),
]


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": article_id,
                    "source": f"{article_id}.example",
                    "title": title,
                    "body": body,
                    "published_at": f"2025-07-03T10:0{n}:00Z",
                    "event_id": event,
                }
            )
            + "\n"
            for n, (article_id, title, body, event) in enumerate(ARTICLES)
        )
    )
    return load_corpus(path)


def test_values_as_a_list() -> None:
    assert parse_values("0.3,0.4") == [0.3, 0.4]
    assert parse_values("0.5") == [0.5]
    assert parse_values(" 0.3, ,0.4,") == [0.3, 0.4]  # blanks are ignored
    assert parse_values("0,1") == [0.0, 1.0]


def test_values_as_a_range_include_the_stop() -> None:
    assert parse_values("0.3:0.5:0.1") == [0.3, 0.4, 0.5]
    assert parse_values("0:1:0.25") == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_values("1:0:-0.5") == [1.0, 0.5, 0.0]
    # Rounded: no 0.30000000000000004 in the table.
    assert parse_values("0.1:0.3:0.1") == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError):
        parse_values("0.3:0.5")  # a range needs a step


def test_vary_names_settings() -> None:
    assert parse_vary([]) == {}
    assert parse_vary(["event_time_weight=0,0.4", "event_reopen_lookback_h=0:0.2:0.1"]) == {
        "event_time_weight": [0.0, 0.4],
        "event_reopen_lookback_h": [0.0, 0.1, 0.2],
    }
    # As the environment variable is written, too.
    assert parse_vary(["WIREWATCH_EVENT_TIME_WEIGHT=0.5"]) == {"event_time_weight": [0.5]}


@pytest.mark.parametrize(
    "item", ["no_such_setting=0,1", "event_time_weight=", "event_time_weight", "=0.4"]
)
def test_vary_errors_say_what_is_expected(item: str) -> None:
    with pytest.raises(ValueError, match=r"--vary .*expected SETTING=V1,V2"):
        parse_vary([item])


def test_a_sweep_replays_every_point(corpus: Corpus) -> None:
    settings = Settings(model="hashing")
    progress: list[int] = []
    points = run_sweep(
        corpus,
        settings,
        HashingEncoder(),
        thresholds=[0.001, 0.5, 0.999],
        vary={"event_time_weight": [0.0, 1.0], "event_part_threshold": [0.9, 0.9999]},
        on_progress=progress.append,
    )
    assert [p.settings for p in points] == [
        {"event_time_weight": w, "event_part_threshold": pt, "event_threshold": t}
        for w in (0.0, 1.0)
        for pt in (0.9, 0.9999)
        for t in (0.001, 0.5, 0.999)
    ]
    assert all(p.report.articles == len(corpus) == 4 for p in points)
    assert sum(progress) == 12 * len(corpus)  # each point a whole replay
    reports = {(p.settings["event_part_threshold"], p.settings["event_threshold"]): p.report
               for p in points[6:]}  # fmt: skip
    # Too low merges the two events, between is right; too high for parts and events
    # alike splits every article (the two reports of one event share a part at 0.9).
    assert reports[0.9, 0.001].predicted_events == 1
    assert reports[0.9, 0.5].predicted_events == 2
    assert reports[0.9, 0.5].bcubed == Scores(1.0, 1.0, 1.0)
    assert reports[0.9, 0.999].predicted_events == 2
    assert reports[0.9999, 0.999].predicted_events == 4
    assert reports[0.9999, 0.999].bcubed.recall < 1.0
    assert best(points).settings["event_threshold"] == 0.5
    assert settings.event_threshold == Settings().event_threshold  # the base is unchanged


def test_a_sweep_starts_from_the_settings_given(corpus: Corpus) -> None:
    # A live window of seconds: articles a minute apart find their event closed; only a
    # reopening lookback brings them back to it. Without the base's window, the lookback
    # would change nothing.
    base = Settings(model="hashing", live_window_h=0.001)
    points = run_sweep(
        corpus,
        base,
        HashingEncoder(),
        thresholds=[0.5],
        vary={"event_reopen_lookback_h": [0.0, 1.0]},
    )
    events = {p.settings["event_reopen_lookback_h"]: p.report.predicted_events for p in points}
    assert events == {0.0: 4, 1.0: 2}


def _point(threshold: float, bcubed_f1: float, pairwise_f1: float) -> SweepPoint:
    report = Report(
        articles=4,
        gold_events=2,
        predicted_events=2,
        bcubed=Scores(bcubed_f1, bcubed_f1, bcubed_f1),
        pairwise=Scores(pairwise_f1, pairwise_f1, pairwise_f1),
        duplicates=None,
    )
    return SweepPoint({"event_threshold": threshold}, report)


def test_best_is_the_highest_bcubed_f1_then_pairwise_f1() -> None:
    points = [_point(0.3, 0.8, 0.9), _point(0.4, 0.9, 0.5), _point(0.5, 0.9, 0.7)]
    assert best(points).settings == {"event_threshold": 0.5}
    assert best(points[:2]).settings == {"event_threshold": 0.4}
    assert best([points[0]]) is points[0]
    with pytest.raises(ValueError):
        best([])
