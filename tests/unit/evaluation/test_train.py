"""`wirewatch train`: a newsroom's labelled history in, a versioned model file out, which
the settings then choose."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli.main import main
from pipeline.evaluation.replay import Report
from pipeline.evaluation.scores import Scores
from pipeline.evaluation.training import ThresholdRow, chosen_row
from pipeline.events.model import MatchModel

DEV = Path(__file__).resolve().parents[3] / "data/eval/ecbplus_dev.jsonl"


def test_train_writes_a_model_that_eval_then_uses(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV.read_text().splitlines()]
    topics = sorted({r["topic"] for r in rows})[:6]
    corpus = tmp_path / "history.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows if r["topic"] in topics))
    out = tmp_path / "model.json"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = CliRunner().invoke(
        main,
        ["train", str(corpus), "--out", str(out), "--model", "hashing", "--thresholds", "0.3,0.5"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    model = MatchModel.load(out)
    assert model.grouping is not None and model.grouping.threshold in (0.3, 0.5)
    assert model.info["trained_on"] == ["history.jsonl"]
    assert model.info["cross_validation"]["by"] == "topic"
    assert model.info["grouping_cross_validation"]["by"] == "topic"
    assert set(model.info["threshold_choice"]["worst_by_threshold"]) == {"0.3", "0.5"}
    evaluated = CliRunner().invoke(
        main,
        ["eval", str(corpus), "--json", "--quiet", "--model", "hashing"],
        env={**env, "WIREWATCH_EVENT_MODEL": str(out)},
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["events"]["gold"] == 2 * len(topics)


def _row(threshold: float, *lowest: float) -> ThresholdRow:
    """A threshold's replays, one corpus per figure: its lowest measure."""
    ok = Scores(1.0, 1.0, 1.0)
    reports = {
        f"c{n}": Report(10, 2, 2, Scores(1.0, 1.0, value), ok, None)
        for n, value in enumerate(lowest)
    }
    return ThresholdRow(threshold, reports)


def test_the_threshold_is_chosen_by_the_worst_corpus_then_the_next_worst() -> None:
    assert chosen_row([_row(0.3, 0.80, 0.95), _row(0.5, 0.85, 0.90)]).threshold == 0.5
    # Worst corpora within the tie: the next worst decides, not the lowest threshold ...
    flat = [_row(0.3, 0.80, 0.88), _row(0.4, 0.80, 0.90), _row(0.5, 0.802, 0.86)]
    assert chosen_row(flat).threshold == 0.4
    # ... and where they are all alike, the lowest threshold is kept.
    assert chosen_row([_row(0.4, 0.80, 0.90), _row(0.3, 0.805, 0.90)]).threshold == 0.3
