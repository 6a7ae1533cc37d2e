"""Where `wirewatch bench` works: a temporary directory it removes after a successful
run and keeps after a failed one, whose errors name the logs in it (the success side:
tests/integration/test_bench.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pipeline.bench import run
from pipeline.bench.run import BenchConfig
from pipeline.errors import WirewatchError
from pipeline.settings import Settings


def test_a_failed_run_keeps_its_directory_with_the_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(settings: Settings, config: BenchConfig, workdir: Path, progress: object) -> None:
        (workdir / "bench-worker.log").write_text("why it stopped")
        raise WirewatchError(f"a worker exited; see {workdir / 'bench-worker.log'}")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(run, "_measure", fail)
    with pytest.raises(WirewatchError):
        run.run_bench(Settings(), BenchConfig(), lambda *args: None)
    assert [p.read_text() for p in tmp_path.glob("wirewatch-bench-*/*.log")] == ["why it stopped"]


def test_a_directory_given_is_left_to_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "mine"
    monkeypatch.setattr(run, "_measure", lambda settings, config, workdir, progress: workdir)
    assert run.run_bench(Settings(), BenchConfig(workdir=given), lambda *args: None) == given
    assert given.is_dir()
