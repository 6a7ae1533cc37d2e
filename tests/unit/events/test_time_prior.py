"""Events are decided by what the articles say, not by the clock (issue 12), on the
bundled learned model, through the event stage (parts, their grouping, the regrouping):
same-kind twins of one afternoon stay apart, a story covered for five days stays one, and
a closed event is reopened by a later article about it.

Embeddings are made equal on purpose where they could not tell the stories apart (two
shootings, two storms): only the text and the time remain to decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.events.index import ClusterConfig, ClusterItem, EventIndex
from tests.support.events import WINDOW, Desk, Report, placed

T0 = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)
KIND = np.array([1.0, 0.2, 0.1], dtype=np.float32)  # "a shooting", to an embedding


def _report(article_id: str, hours: float, title: str, body: str, jitter: float) -> Report:
    vector = KIND + np.array([0.0, jitter, -jitter], dtype=np.float32)
    return Report(article_id, vector, T0 + timedelta(hours=hours), title, body)


def _item(article_id: str, hours: float, title: str, body: str, jitter: float) -> ClusterItem:
    r = _report(article_id, hours, title, body, jitter)
    return ClusterItem(
        r.article_id, r.vector / np.linalg.norm(r.vector), r.published_at, title, body
    )


def _run(index: EventIndex, items: list[ClusterItem]) -> dict[str, str]:
    placements = {}
    for item in items:
        index.evict_before(item.published_at - WINDOW)
        placements[item.article_id] = index.assign(item).event_id
    return placements


DENVER = [
    (
        "Gunman kills three at Denver warehouse",
        "A gunman opened fire at a warehouse in Aurora, near Denver, killing three workers "
        "before police arrested him, Chief Vanessa Wilson said. The suspect, Marcus Hale, 41, "
        "had been fired from the Medline depot on Friday.",
    ),
    (
        "Aurora warehouse shooting: suspect was a fired employee",
        "Marcus Hale, the 41-year-old suspected of killing three people at the Medline "
        "warehouse in Aurora, had been dismissed last week, Chief Vanessa Wilson told "
        "reporters in Denver.",
    ),
    (
        "Victims of Aurora shooting named",
        "Police in Aurora named the three Medline workers killed by Marcus Hale, and said "
        "a fourth was treated at the University of Colorado hospital in Denver.",
    ),
]
TAMPA = [
    (
        "Two dead in Tampa mall shooting",
        "Two people were shot dead at the WestShore Plaza mall in Tampa, Florida, and the "
        "gunman, Dylan Reyes, 19, was shot by a deputy, Sheriff Chad Chronister said.",
    ),
    (
        "WestShore Plaza gunman was 19",
        "Dylan Reyes, 19, killed two shoppers at the WestShore Plaza in Tampa before a "
        "Hillsborough County deputy shot him, Sheriff Chad Chronister said.",
    ),
    (
        "Tampa mourns mall shooting victims",
        "Vigils were held in Tampa for the two shoppers killed at WestShore Plaza; Sheriff "
        "Chad Chronister said Dylan Reyes had bought the rifle in Orlando.",
    ),
]


def test_twins_of_the_same_afternoon_stay_apart() -> None:
    reports = []
    for n in range(3):  # interleaved, minutes apart: time cannot tell them apart
        reports.append(_report(f"denver-{n}", 0.2 * n, *DENVER[n], jitter=0.01 * n))
        reports.append(_report(f"tampa-{n}", 0.2 * n + 0.1, *TAMPA[n], jitter=0.01 * n + 0.005))
    events = placed(reports)
    denver = {events[f"denver-{n}"] for n in range(3)}
    tampa = {events[f"tampa-{n}"] for n in range(3)}
    assert len(denver) == 1 and len(tampa) == 1 and denver != tampa


STORM = [
    "Storm Ciaran makes landfall in Cornwall with gusts of 100 mph, the Met Office said.",
    "Ciaran: Cornwall and Devon count the damage as the Met Office keeps its amber warning.",
    "Storm Ciaran floods Devon villages; the Environment Agency issues 40 flood warnings.",
    "Ciaran clean-up: Cornwall council says 2,000 homes in Devon and Cornwall still without power.",
    "Five days after Storm Ciaran, Met Office warns of more rain for Cornwall and Devon.",
]


def test_a_story_covered_for_five_days_stays_one() -> None:
    # One article a day, the last on the fifth day: gaps of 24 to 30 hours.
    reports = [
        _report(f"storm-{n}", hours, "", text, jitter=0.01 * n)
        for n, (hours, text) in enumerate(zip((0, 30, 54, 80, 110), STORM, strict=True))
    ]
    events = placed(reports, ClusterConfig(reopen_lookback_h=168))
    assert len(set(events.values())) == 1


def test_a_closed_event_reopens_instead_of_opening_a_second_one() -> None:
    desk = Desk(ClusterConfig(reopen_lookback_h=168))
    desk.place([_report("storm-0", 0, "", STORM[0], 0.0)])
    desk.place([_report("s1", 2, "", STORM[1], 0.01)])
    first = desk.events()
    assert first["s1"] == first["storm-0"]
    # Four days without an article, the event has closed (out of the 72 h window); an
    # article that clearly belongs to it reopens it.
    (assignment,) = desk.place([_report("storm-late", 100, "", STORM[4], 0.02)])
    assert assignment.reopened and not assignment.created
    assert assignment.event_id == first["storm-0"]
    assert desk.stage.index.open_events >= 1


def test_an_unrelated_article_does_not_reopen_and_old_events_are_dropped() -> None:
    index = EventIndex(ClusterConfig(reopen_lookback_h=24))
    _run(index, [_item("storm-0", 0, "", STORM[0], 0.0)])
    other = _item("tampa", 80, *TAMPA[0], jitter=0.0)
    index.evict_before(other.published_at - WINDOW)
    assert (len(index), index.held) == (0, 1)  # closed, still held: it may reopen
    assert not index.assign(other).reopened
    # Past the window and the lookback, a closed event leaves the index for good.
    dropped = index.evict_before(T0 + timedelta(hours=80 + 96 + 24) - WINDOW)
    assert len(dropped) == 2
    assert index.held == 0
