"""The desk's corrections through the in-process pipeline on the bundled sample feed:
merge, move, split, pin and unpin change the events, are recorded and announced, are
idempotent, reject unknown ids, and hold for later copies and after a restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from pipeline.embedding import HashingEncoder
from pipeline.events.index import EventIndex
from pipeline.feeds import bundled_feed
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store
from schemas.messages import Correction, CorrectionAction
from tests.support.copies import FEED, later_copy

NOW = datetime(2025, 7, 6, 9, 0, tzinfo=UTC)


def open_pipeline(url: str) -> InProcessPipeline:
    store = Store(url)
    store.create_schema()
    pipeline = InProcessPipeline(
        Settings(database_url=url, model="hashing"), store, HashingEncoder()
    )
    pipeline.load()
    return pipeline


@pytest.fixture
def fed(sqlite_url: str) -> InProcessPipeline:
    pipeline = open_pipeline(sqlite_url)
    pipeline.run_batch(bundled_feed().read_bytes().splitlines(), NOW)
    return pipeline


def event_of(pipeline: InProcessPipeline, article_id: str) -> str:
    return pipeline.store.placements_of([article_id])[article_id][0]


def clusters(pipeline: InProcessPipeline) -> dict[str, dict[str, Any]]:
    return {c["event_id"]: c for c in pipeline.store.event_clusters()}


def correct(
    pipeline: InProcessPipeline, action: CorrectionAction, nonce: str = "1", **fields: Any
) -> Any:
    correction = Correction.make(
        action, by="desk", note="n", requested_at=NOW, nonce=nonce, **fields
    )
    plan = pipeline.correct(correction, NOW)
    return pipeline.store.correction(correction.correction_id), plan


def test_merge_joins_two_events_and_keeps_absorbing_both_halves(fed: InProcessPipeline) -> None:
    heat, tour = event_of(fed, "canicule-meteo-1"), event_of(fed, "tour-depart-1")
    row, plan = correct(fed, "merge", event_id=heat, from_event_id=tour)
    assert row["outcome"] == "applied" and row["result_event_id"] == heat
    events = clusters(fed)
    assert tour not in events and len(events) == 2
    assert {a["id"] for a in events[heat]["articles"]} >= {"tour-depart-1", "tour-depart-2"}
    assert events[heat]["article_count"] == 5
    updates = [json.loads(u.payload) for u in plan.writes.updates]
    assert {(u["event_id"], u["kind"]) for u in updates} == {(heat, "merged"), (tour, "merged")}
    assert all(u["correction"]["merged_from"] == tour for u in updates)
    joined = [json.loads(a.payload) for a in plan.writes.alerts]
    assert {a["source"] for a in joined} == {"sport-actu.example", "velo-mag.example"}
    assert all(a["correction_id"] == row["correction_id"] for a in joined)
    # with the language of the article that brought the source (a desk filtering its
    # webhook by language gets them too)
    assert {a["language"] for a in joined} == {"fr"}
    assert row["evidence"] == {
        "into": ["canicule-meteo-1", "canicule-societe-2"],
        "from": ["tour-depart-1", "tour-depart-2"],
    }

    # the same command again changes nothing
    again, plan = correct(fed, "merge", nonce="2", event_id=heat, from_event_id=tour)
    assert again["outcome"] == "unchanged" and not plan.writes.updates
    assert clusters(fed) == events

    # a later copy of either half joins the merged event, also after a restart
    fed.run_batch([later_copy("tour-depart-1", "tour-copy-a", "2025-07-05T20:00:00Z")], NOW)
    assert event_of(fed, "tour-copy-a") == heat
    restarted = open_pipeline(fed.store.url)
    restarted.run_batch([later_copy("tour-depart-2", "tour-copy-b", "2025-07-05T21:00:00Z")], NOW)
    assert event_of(restarted, "tour-copy-b") == heat


TOUR_REPORT = json.dumps(
    {
        "id": "tour-depart-3",
        "source": "cyclisme.example",
        "title": "Tour de France : premier maillot jaune à Lille",
        "body": "Première étape du Tour de France à Lille : le peloton a parcouru les routes "
        "du Nord, et les sprinteurs se sont disputé le premier maillot jaune devant une foule "
        "record. Pogacar et Vingegaard sont restés à l'abri.",
        "published_at": "2025-07-05T20:00:00Z",
    }
).encode()


@pytest.mark.parametrize("restart", [False, True])
def test_a_merged_event_keeps_absorbing_what_belongs_to_either_half(
    fed: InProcessPipeline, restart: bool
) -> None:
    """A new report (not a copy) of the Tour joins the Tour's event; merged into the
    heatwave's, it still joins the merged event, whose halves keep their own evidence
    (one blended centroid, with a mean time days away, would have let it open a new one)."""
    heat, tour = event_of(fed, "canicule-meteo-1"), event_of(fed, "tour-depart-1")
    correct(fed, "merge", event_id=heat, from_event_id=tour)
    pipeline = open_pipeline(fed.store.url) if restart else fed
    placed = pipeline.run_batch([TOUR_REPORT], NOW).events.placed
    assert placed[0].duplicate_of is None and not placed[0].created
    assert event_of(pipeline, "tour-depart-3") == heat


def test_a_moved_article_takes_its_copies_and_its_later_copies_follow(
    fed: InProcessPipeline,
) -> None:
    tour = event_of(fed, "tour-depart-1")
    row, _ = correct(fed, "move", article_ids=["tour-depart-2"])
    new = row["result_event_id"]
    assert new not in (tour, None) and event_of(fed, "tour-depart-2") == new
    events = clusters(fed)
    assert [a["id"] for a in events[new]["articles"]] == ["tour-depart-2"]
    assert events[new]["headline"] == FEED["tour-depart-2"]["title"]
    assert events[tour]["article_count"] == 1 and events[tour]["sources"] == ["sport-actu.example"]

    again, _ = correct(fed, "move", nonce="2", article_ids=["tour-depart-2"])
    assert again["outcome"] == "unchanged" and clusters(fed) == events

    fed.run_batch([later_copy("tour-depart-2", "tour2-copy-a", "2025-07-05T19:00:00Z")], NOW)
    assert event_of(fed, "tour2-copy-a") == new
    restarted = open_pipeline(fed.store.url)
    restarted.run_batch(
        [
            later_copy("tour-depart-2", "tour2-copy-b", "2025-07-05T20:00:00Z"),
            later_copy("tour-depart-1", "tour1-copy-b", "2025-07-05T20:30:00Z"),
        ],
        NOW,
    )
    assert event_of(restarted, "tour2-copy-b") == new
    assert event_of(restarted, "tour1-copy-b") == tour

    # and back, to an existing event
    row, _ = correct(restarted, "move", article_ids=["tour-depart-2"], event_id=tour)
    assert row["outcome"] == "applied" and event_of(restarted, "tour2-copy-b") == tour
    assert new not in clusters(restarted)


def test_split_off_articles_leave_together_and_are_not_taken_back(fed: InProcessPipeline) -> None:
    putin = event_of(fed, "b528e4333af7b596")
    row, plan = correct(fed, "split", event_id=putin, article_ids=["b881944e533b6189"])
    new = row["result_event_id"]
    events = clusters(fed)
    assert {a["id"] for a in events[new]["articles"]} == {"b881944e533b6189", "wire-copy-matin-3"}
    assert "b881944e533b6189" not in {a["id"] for a in events[putin]["articles"]}
    assert {json.loads(u.payload)["kind"] for u in plan.writes.updates} == {"split"}
    assert row["evidence"]["moved"] == ["b881944e533b6189"]
    assert "b528e4333af7b596" in row["evidence"]["left"]

    again, _ = correct(fed, "split", nonce="2", event_id=putin, article_ids=["b881944e533b6189"])
    assert again["outcome"] == "unchanged"

    restarted = open_pipeline(fed.store.url)
    restarted.run_batch([later_copy("b881944e533b6189", "putin-copy", "2025-07-03T15:00:00Z")], NOW)
    assert event_of(restarted, "putin-copy") == new
    # a redelivery of the split-off article itself leaves it where the editor put it
    lines = bundled_feed().read_bytes().splitlines()
    line = next(raw for raw in lines if json.loads(raw)["id"] == "b881944e533b6189")
    restarted.run_batch([line], NOW)
    assert event_of(restarted, "b881944e533b6189") == new


def test_a_pinned_headline_stays_until_unpinned(fed: InProcessPipeline) -> None:
    putin = event_of(fed, "b528e4333af7b596")
    machine = clusters(fed)[putin]["headline"]
    row, plan = correct(fed, "pin", event_id=putin, article_ids=["wire-copy-ouest-1"])
    assert row["outcome"] == "applied"
    pinned = FEED["wire-copy-ouest-1"]["title"]
    assert clusters(fed)[putin]["headline"] == pinned
    assert clusters(fed)[putin]["pinned_article_id"] == "wire-copy-ouest-1"
    assert json.loads(plan.writes.updates[0].payload)["kind"] == "headline_pinned"

    restarted = open_pipeline(fed.store.url)
    restarted.run_batch(
        [later_copy("b881944e533b6189", "putin-copy", "2025-07-03T09:00:00Z")], NOW
    )  # earlier than every article: it would otherwise become the canonical one
    assert event_of(restarted, "putin-copy") == putin
    assert clusters(restarted)[putin]["headline"] == pinned

    row, plan = correct(restarted, "unpin", event_id=putin)
    assert row["outcome"] == "applied" and clusters(restarted)[putin]["pinned_article_id"] is None
    assert clusters(restarted)[putin]["headline"] == machine
    assert json.loads(plan.writes.updates[0].payload)["kind"] == "headline_unpinned"
    again, _ = correct(restarted, "unpin", nonce="2", event_id=putin)
    assert again["outcome"] == "unchanged"


@pytest.mark.parametrize(
    ("action", "fields", "reason"),
    [
        ("merge", {"event_id": "ev-nope", "from_event_id": "ev-nope2"}, "unknown event 'ev-nope'"),
        ("move", {"article_ids": ["nope"]}, "unknown article 'nope'"),
        ("move", {"article_ids": ["wire-copy-ouest-1"]}, "is a wire copy of 'b528e4333af7b596'"),
        ("pin", {"event_id": "EV", "article_ids": ["tour-depart-1"]}, "is not in event"),
        ("split", {"event_id": "EV", "article_ids": ["nope"]}, "unknown article 'nope'"),
        ("merge", {"event_id": "EV", "from_event_id": "EV"}, "cannot be merged into itself"),
        ("split", {"event_id": "EV", "article_ids": ["tour-depart-1"]}, "not in event"),
        ("pin", {"event_id": "EV", "article_ids": ["nope"]}, "unknown article 'nope'"),
        (
            "split",
            {"event_id": "EV", "article_ids": ["wire-copy-matin-3"]},
            "is a wire copy of 'b881944e533b6189'",
        ),
        (
            "split",
            {
                "event_id": "EV",
                "article_ids": [
                    "b528e4333af7b596",
                    "b881944e533b6189",
                    "d8b1cb26158f392a",
                    "eab277787affbf1c",
                    "cfbabee28e2ae972",
                ],
            },
            "nothing would be left",
        ),
    ],
)
def test_unknown_ids_are_rejected_with_a_reason(
    fed: InProcessPipeline, action: CorrectionAction, fields: dict[str, Any], reason: str
) -> None:
    putin = event_of(fed, "b528e4333af7b596")
    fields = {k: putin if v == "EV" else v for k, v in fields.items()}
    before = clusters(fed)
    row, plan = correct(fed, action, **fields)
    assert row["outcome"] == "rejected" and reason in row["detail"] and plan.rejected
    assert clusters(fed) == before


def test_a_copy_may_be_listed_with_its_original(fed: InProcessPipeline) -> None:
    putin = event_of(fed, "b528e4333af7b596")
    row, _ = correct(
        fed, "split", event_id=putin, article_ids=["wire-copy-matin-3", "b881944e533b6189"]
    )
    assert row["outcome"] == "applied"
    assert event_of(fed, "wire-copy-matin-3") == event_of(fed, "b881944e533b6189") != putin


def test_a_replayed_correction_changes_nothing(fed: InProcessPipeline) -> None:
    heat, tour = event_of(fed, "canicule-meteo-1"), event_of(fed, "tour-depart-1")
    correction = Correction.make("merge", event_id=heat, from_event_id=tour, requested_at=NOW)
    fed.correct(correction, NOW)
    assert fed.correct(correction, NOW).replays == 1
    assert len(fed.store.corrections_list()) == 1


def test_the_index_after_corrections_is_the_one_a_restart_rebuilds(fed: InProcessPipeline) -> None:
    heat, tour = event_of(fed, "canicule-meteo-1"), event_of(fed, "tour-depart-1")
    putin = event_of(fed, "b528e4333af7b596")
    correct(fed, "merge", event_id=heat, from_event_id=tour)
    correct(fed, "split", event_id=putin, article_ids=["d8b1cb26158f392a", "eab277787affbf1c"])
    correct(fed, "move", article_ids=["canicule-societe-2"])
    restarted = open_pipeline(fed.store.url)
    live, rebuilt = fed.events.index._events, restarted.events.index._events
    assert set(live) == set(rebuilt)
    for event_id, event in live.items():
        again = rebuilt[event_id]
        assert event.size == again.size and event.closed == again.closed
        assert (event.first_seen, event.last_seen) == (again.first_seen, again.last_seen)
        assert np.allclose(event.vector_sum, again.vector_sum, atol=1e-6)
        assert _terms(fed.events.index, event) == _terms(restarted.events.index, again)
    assert fed.events.index._df.documents == restarted.events.index._df.documents
    # The events an editor changed keep their parts: the grouping leaves them, then too
    # (the merged-away event, empty now, is not loaded again).
    edited = {heat, putin, event_of(fed, "d8b1cb26158f392a"), event_of(fed, "canicule-societe-2")}
    assert fed.events.grouping.frozen == edited | {tour}
    assert restarted.events.grouping.frozen == edited
    assert all(fed.events.grouping.event_of(p) == restarted.events.grouping.event_of(p)
               for p in rebuilt)  # fmt: skip


def _terms(index: EventIndex, event: Any) -> tuple[set[str], set[str], set[str]]:
    """The terms of an event's words, mentions and headline, as its index holds them."""
    arrays = event.arrays
    return (
        {index._df._terms[i] for i in arrays.words.ids},
        {index._mention_df._terms[i] for i in arrays.mentions.ids},
        {index._df._terms[i] for i in arrays.headline.ids},
    )
