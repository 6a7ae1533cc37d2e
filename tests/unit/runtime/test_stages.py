"""WIREWATCH_STAGES: which agents a worker runs, and the bench's split of the stages
among its workers (README, Scale-out)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agents import for_stages
from pipeline.bench.run import split_stages
from pipeline.runtime.app import create_app
from pipeline.settings import Settings
from pipeline.store import Store


def agent_names(stages: str, **settings: object) -> set[str]:
    store = Store("sqlite://")
    try:
        worker = Settings(stages=stages, **settings)
        app, _ = create_app(worker, store, agents=for_stages(worker.stage_set))
        return {agent.name.rsplit(".", 1)[-1] for agent in app.agents.values()}
    finally:
        store.close()


def test_stages_are_read_in_pipeline_order_whatever_the_spelling() -> None:
    assert Settings().stages == "dedup,embed,events"
    assert Settings(stages=" Events , DEDUP").stages == "dedup,events"
    assert Settings(stages="events").stage_set == {"events"}


@pytest.mark.parametrize("value", ["", " , ", "dedup,cluster", "sink"])
def test_unknown_or_no_stages_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="comma-separated choice of dedup, embed, events"):
        Settings(stages=value)


def test_a_worker_attaches_the_agents_of_its_stages_only() -> None:
    # The embed and events agents keep their older names on the wire: cluster and sink.
    assert agent_names("dedup,embed,events") == {"dedup", "cluster", "sink", "corrections"}
    assert agent_names("dedup,embed") == {"dedup", "cluster"}
    assert agent_names("events") == {"sink", "corrections"}
    hooked = agent_names("events", webhook_url="http://127.0.0.1:9/hook")
    assert hooked == {"sink", "corrections", "webhook"}
    assert "webhook" not in agent_names("dedup,embed", webhook_url="http://127.0.0.1:9/hook")


def test_the_bench_splits_every_stage_among_its_workers() -> None:
    assert split_stages(("embed, DEDUP", "events")) == ("dedup,embed", "events")
    assert split_stages(("dedup", "embed", "events,embed")) == ("dedup", "embed", "embed,events")
    with pytest.raises(ValueError, match=r"no worker runs the stage\(s\) embed"):
        split_stages(("dedup", "events"))
    with pytest.raises(ValueError, match="comma-separated choice"):
        split_stages(("dedup,embed", "event"))
