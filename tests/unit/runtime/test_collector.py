"""Every `wirewatch` command collects cycles rarely (pipeline/runtime/collector.py): the
worker, the bench, eval and train all start from the command group."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.runtime.collector import THRESHOLDS


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_thresholds")
@pytest.mark.parametrize("command", ["run", "eval", "train", "bench"])
def test_each_long_command_sets_the_collector(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == THRESHOLDS
