"""The learned match score: a small versioned JSON file, never a pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.events.model import BUNDLED, FEATURES, MatchModel


def test_the_bundled_model_loads_and_says_how_it_was_made() -> None:
    model = MatchModel.load()
    data = json.loads(BUNDLED.read_text())
    assert data["format"] == "wirewatch-match-model" and data["version"] == 1
    assert data["features"] == list(FEATURES)
    assert data["command"].startswith("wirewatch train")
    assert 0 < model.threshold < 1 and model.reopen_threshold >= model.threshold
    # Content raises the score, a time gap lowers it.
    assert model.coefficients["mentions"] > 0 and model.coefficients["time_gap_d"] < 0


def test_a_model_survives_its_file(tmp_path: Path) -> None:
    model = MatchModel({"centroid_cosine": 2.0, "time_gap_d": -1.0}, -1.0, threshold=0.4)
    model.save(tmp_path / "m.json")
    again = MatchModel.load(tmp_path / "m.json")
    assert again.as_json() == model.as_json()
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("centroid_cosine")] = 1.0
    assert again.score(features) == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_time_weight_zero_leaves_content_alone() -> None:
    model = MatchModel.load().with_time_weight(0.0)
    assert model.coefficients["time_gap_d"] == 0.0
    assert model.coefficients["mentions"] == MatchModel.load().coefficients["mentions"]


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"format": "pickle", "version": 1}))
    with pytest.raises(ValueError):
        MatchModel.load(tmp_path / "x.json")
    with pytest.raises(ValueError):
        MatchModel({"shoe_size": 1.0})


def test_the_bundled_model_says_how_its_word_statistics_were_primed(tmp_path: Path) -> None:
    assert MatchModel.load().idf_prior_documents == 20
    old = json.loads(BUNDLED.read_text())
    del old["idf_prior_documents"]  # a file from before the prior: measured as it was
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert MatchModel.load(tmp_path / "old.json").idf_prior_documents == 0
