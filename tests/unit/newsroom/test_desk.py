"""The desk's side of corrections, without a broker: who may correct from the dashboard,
the board following correction updates (read back from the store's outbox, as a starting
dashboard does), and the labelled data `wirewatch corrections --export` writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from pipeline.embedding import HashingEncoder
from pipeline.feeds import bundled_feed
from pipeline.newsroom.board import Board
from pipeline.newsroom.desk import training_records
from pipeline.newsroom.editing import DeskPolicy, is_loopback
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store import recent_updates
from pipeline.store.store import Store
from schemas.messages import Correction

NOW = datetime(2025, 7, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("host", "token", "editable", "allowed", "refused"),
    [
        ("127.0.0.1", None, True, [None, "x"], []),
        ("127.0.0.1", "s3cret", True, ["s3cret"], [None, "wrong"]),
        ("0.0.0.0", None, False, [], [None, "x"]),
        ("0.0.0.0", "s3cret", True, ["s3cret"], [None, "s3cre"]),
        ("desk.example", None, False, [], [None]),
    ],
)
def test_who_may_correct(
    host: str,
    token: str | None,
    editable: bool,
    allowed: list[str | None],
    refused: list[str | None],
) -> None:
    settings = Settings(dashboard_host=host, editor_token=SecretStr(token) if token else None)
    policy = DeskPolicy.from_settings(settings)
    assert policy.editable is editable
    assert policy.describe()["token_required"] is (token is not None)
    assert all(policy.allows(t) for t in allowed)
    assert not any(policy.allows(t) for t in refused)
    if not editable:
        assert "read-only" in policy.describe()["reason"]


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.3")


def _pipeline(url: str) -> InProcessPipeline:
    store = Store(url)
    store.create_schema()
    pipeline = InProcessPipeline(
        Settings(database_url=url, model="hashing"), store, HashingEncoder()
    )
    pipeline.run_batch(bundled_feed().read_bytes().splitlines(), NOW)
    return pipeline


def _event_of(pipeline: InProcessPipeline, article_id: str) -> str:
    return pipeline.store.placements_of([article_id])[article_id][0]


def test_the_board_follows_corrections(sqlite_url: str) -> None:
    pipeline = _pipeline(sqlite_url)
    heat, tour = _event_of(pipeline, "canicule-meteo-1"), _event_of(pipeline, "tour-depart-1")
    putin = _event_of(pipeline, "b528e4333af7b596")
    for correction in [
        Correction.make("merge", event_id=heat, from_event_id=tour, requested_at=NOW),
        Correction.make("move", article_ids=["canicule-societe-2"], requested_at=NOW),
        Correction.make("pin", event_id=putin, article_ids=["wire-copy-ouest-1"], requested_at=NOW),
    ]:
        assert pipeline.correct(correction, NOW).writes.corrections[0].outcome == "applied"
    board = Board()
    board.apply_all(recent_updates(pipeline.store, 200))
    stored = {c["event_id"]: c for c in pipeline.store.event_clusters()}
    assert {v.event_id for v in board.events()} == set(stored) and tour not in board
    for event_id, cluster in stored.items():
        view = board.get(event_id)
        assert view is not None
        shown = view.as_json()
        assert shown["article_count"] == cluster["article_count"]
        assert shown["headline"] == cluster["headline"]
        assert shown["pinned_article_id"] == cluster["pinned_article_id"]
        ids = {s["id"] for s in shown["stories"]} | {
            c["id"] for s in shown["stories"] for c in s["copies"]
        }
        assert ids == {a["id"] for a in cluster["articles"]}


def test_export_gives_labelled_pairs(sqlite_url: str) -> None:
    pipeline = _pipeline(sqlite_url)
    heat, tour = _event_of(pipeline, "canicule-meteo-1"), _event_of(pipeline, "tour-depart-1")
    putin = _event_of(pipeline, "b528e4333af7b596")
    pipeline.correct(Correction.make("merge", event_id=heat, from_event_id=tour, requested_at=NOW))
    pipeline.correct(
        Correction.make("split", event_id=putin, article_ids=["b881944e533b6189"], requested_at=NOW)
    )
    pipeline.correct(Correction.make("move", article_ids=["nope"], requested_at=NOW))  # rejected
    records = training_records(pipeline.store.corrections_list())
    assert [r["action"] for r in records] == ["merge", "split"]
    merge, split = records
    assert len(merge["pairs"]) == 4 and all(p["same_event"] for p in merge["pairs"])
    assert {"a": "b881944e533b6189", "b": "b528e4333af7b596", "same_event": False} in split["pairs"]
    assert all(not p["same_event"] for p in split["pairs"])


def _api(
    settings: Settings, store: Store, *requests: tuple[dict[str, Any], dict[str, str]]
) -> list[tuple[int, dict[str, Any]]]:
    """POST each (body, headers) to /api/corrections of an app with the desk's routes."""
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from pipeline.newsroom.editing import add_desk_routes

    async def go() -> list[tuple[int, dict[str, Any]]]:
        app = web.Application()
        add_desk_routes(app, settings, store)
        answers = []
        async with TestClient(TestServer(app)) as client:
            desk = await client.get("/api/desk")
            answers.append((desk.status, await desk.json()))
            for body, headers in requests:
                response = await client.post("/api/corrections", json=body, headers=headers)
                answers.append((response.status, await response.json()))
        return answers

    return asyncio.run(go())


def test_the_api_refuses_what_it_must(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    store.create_schema()
    body = {"action": "merge", "event_id": "ev-a", "from_event_id": "ev-b"}
    read_only = Settings(database_url=sqlite_url, dashboard_host="0.0.0.0")
    (desk, _), (status, answer) = _api(read_only, store, (body, {}))
    assert desk == 200 and status == 403 and "read-only" in answer["error"]

    guarded = Settings(database_url=sqlite_url, editor_token=SecretStr("t0ken"))
    answers = _api(
        guarded,
        store,
        (body, {}),
        (body, {"Authorization": "Bearer nope"}),
        (body, {"Authorization": "Bearer t0ken", "Origin": "http://evil.example"}),
        ({"action": "explode"}, {"Authorization": "Bearer t0ken"}),
        (body, {"Authorization": "Bearer t0ken"}),  # checked against the store: unknown
    )
    assert answers[0][1]["token_required"] is True
    assert [status for status, _ in answers[1:]] == [401, 401, 403, 400, 422]
    assert "unknown event 'ev-a'" in answers[-1][1]["error"]


def test_the_hub_tells_browsers_an_absorbed_event_is_gone(sqlite_url: str) -> None:
    from pipeline.newsroom.dashboard import Hub
    from schemas.messages import EventUpdate

    pipeline = _pipeline(sqlite_url)
    heat, tour = _event_of(pipeline, "canicule-meteo-1"), _event_of(pipeline, "tour-depart-1")

    async def go() -> list[bytes]:
        hub = Hub(pipeline.store, 200)
        await hub.load_from_store()
        queue = hub.subscribe()
        queue.get_nowait()  # the snapshot
        merge = Correction.make("merge", event_id=heat, from_event_id=tour, requested_at=NOW)
        for row in pipeline.correct(merge, NOW).writes.updates:
            await hub.apply(EventUpdate.model_validate_json(row.payload))
        assert tour not in hub.board and heat in hub.board
        return [queue.get_nowait() or b"" for _ in range(queue.qsize())]

    sent = asyncio.run(go())
    names = sorted(m.decode().split("\n")[0] for m in sent)
    assert names == ["event: event", "event: removed"]
    assert any(tour in m.decode() and m.startswith(b"event: removed") for m in sent)
