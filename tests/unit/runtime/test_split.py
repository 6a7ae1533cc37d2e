"""WIREWATCH_SPLIT: when `wirewatch run` runs its stages as two processes, and the bench
measuring one worker as `wirewatch run` runs it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.bench.run import BenchConfig, _as_run_runs_it
from pipeline.runtime.split import SPLIT, split_of
from pipeline.settings import Settings


def test_every_stage_splits_on_two_cores_or_more_by_default() -> None:
    assert SPLIT == ("dedup,embed", "events")
    assert split_of(Settings(), cores=2) == SPLIT
    assert split_of(Settings(), cores=8) == SPLIT
    assert split_of(Settings(), cores=1) == ()


def test_on_and_off_decide_whatever_the_cores() -> None:
    assert split_of(Settings(split="on"), cores=1) == SPLIT
    assert split_of(Settings(split="off"), cores=8) == ()


def test_a_worker_of_some_stages_never_splits_further() -> None:
    for stages in ("dedup,embed", "events", "dedup,events"):
        assert split_of(Settings(stages=stages, split="on"), cores=8) == ()


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValidationError, match="split"):
        Settings(split="yes")


def test_the_bench_measures_one_worker_as_run_runs_it() -> None:
    one = BenchConfig(workers=1)
    assert _as_run_runs_it(one, Settings(split="on")).stages == SPLIT
    assert _as_run_runs_it(one, Settings(split="on")).workers == 2
    assert _as_run_runs_it(one, Settings(split="off")) == one
    several = BenchConfig(workers=2)
    assert _as_run_runs_it(several, Settings(split="on")) == several
    chosen = BenchConfig(workers=3, stages=("dedup", "embed", "events"))
    assert _as_run_runs_it(chosen, Settings(split="on")) == chosen
