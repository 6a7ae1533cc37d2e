"""The learned match scores: a small versioned JSON file, never a pickle; a file of
version 1 (no grouping of parts) still reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.events.index import ClusterConfig
from pipeline.events.model import (
    BUNDLED,
    CROSS_LANGUAGE_COSINE,
    FEATURES,
    PART_FEATURES,
    GroupingModel,
    MatchModel,
    bundled_for,
)
from pipeline.settings import Settings


@pytest.mark.parametrize("profile", ["use-m3", "static"])
def test_each_bundled_model_loads_and_says_how_it_was_made(profile: str) -> None:
    file = bundled_for(profile)
    model = MatchModel.load(file)
    data = json.loads(file.read_text())
    assert data["format"] == "wirewatch-match-model" and data["version"] == 2
    assert data["features"] == list(FEATURES)
    assert data["grouping"]["features"] == list(PART_FEATURES)
    assert data["command"].startswith("wirewatch train")
    # Trained on the cosines of the profile it is bundled for.
    assert data["embedding_model"] == profile
    assert 0 < model.threshold < 1 and model.reopen_threshold >= model.threshold
    grouping = model.grouping
    assert grouping is not None and 0 < grouping.threshold <= grouping.reopen_threshold < 1
    # Content raises the scores, a time gap lowers them.
    assert model.coefficients["mentions"] > 0 and model.coefficients["time_gap_d"] < 0
    assert grouping.coefficients["mentions"] > 0 and grouping.coefficients["time_gap_d"] < 0


def test_the_settings_choose_the_profiles_model_unless_a_file_is_given(tmp_path: Path) -> None:
    assert MatchModel.load() == MatchModel.load(BUNDLED)
    assert bundled_for("minilm") == BUNDLED  # no model of its own: the default's
    static = ClusterConfig.from_settings(Settings(model="static")).model
    assert static == MatchModel.load(bundled_for("static")) != MatchModel.load(BUNDLED)
    MatchModel({"centroid_cosine": 2.0}, threshold=0.4).save(tmp_path / "own.json")
    own = Settings(model="static", event_model=str(tmp_path / "own.json"))
    assert ClusterConfig.from_settings(own).model == MatchModel.load(tmp_path / "own.json")


def test_a_file_of_version_1_has_no_grouping(tmp_path: Path) -> None:
    old = {k: v for k, v in json.loads(BUNDLED.read_text()).items() if k != "grouping"}
    (tmp_path / "v1.json").write_text(json.dumps({**old, "version": 1}))
    model = MatchModel.load(tmp_path / "v1.json")
    assert model.grouping is None
    # Its one threshold is the article's for an event, whichever setting names it.
    assert model.with_thresholds(None, 0.3).threshold == 0.3
    assert model.with_thresholds(0.4, None).threshold == 0.4


def test_thresholds_from_the_settings_go_where_they_belong() -> None:
    model = MatchModel.load().with_thresholds(0.85, 0.45)
    assert model.threshold == 0.85
    assert model.grouping is not None and model.grouping.threshold == 0.45
    assert MatchModel.load().with_thresholds(None, None) == MatchModel.load()


def test_a_model_survives_its_file(tmp_path: Path) -> None:
    model = MatchModel({"centroid_cosine": 2.0, "time_gap_d": -1.0}, -1.0, threshold=0.4)
    model.save(tmp_path / "m.json")
    again = MatchModel.load(tmp_path / "m.json")
    assert again.as_json() == model.as_json() and again.as_json()["version"] == 1
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("centroid_cosine")] = 1.0
    assert again.score(features) == pytest.approx(1 / (1 + np.exp(-1.0)))
    grouped = MatchModel(
        {"centroid_cosine": 2.0},
        grouping=GroupingModel(
            {"words": 3.0, "time_gap_d": -1.0}, -1.0, threshold=0.3, cross_language_cosine=0.6
        ),
    )
    grouped.save(tmp_path / "g.json")
    again = MatchModel.load(tmp_path / "g.json")
    assert again.as_json() == grouped.as_json() and again.as_json()["version"] == 2
    assert again.grouping is not None and again.grouping.cross_language_cosine == 0.6
    parts = np.zeros(len(PART_FEATURES))
    parts[PART_FEATURES.index("words")] = 1.0
    assert again.grouping is not None
    assert again.grouping.score(parts) == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_time_weight_zero_leaves_content_alone() -> None:
    model = MatchModel.load().with_time_weight(0.0)
    assert model.coefficients["time_gap_d"] == 0.0
    assert model.coefficients["mentions"] == MatchModel.load().coefficients["mentions"]
    assert model.grouping is not None and model.grouping.coefficients["time_gap_d"] == 0.0


def test_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"format": "pickle", "version": 1}))
    with pytest.raises(ValueError):
        MatchModel.load(tmp_path / "x.json")
    with pytest.raises(ValueError):
        MatchModel({"shoe_size": 1.0})
    with pytest.raises(ValueError):
        GroupingModel({"log_size": 1.0})  # an article's feature, not a part's


def test_the_bundled_model_says_how_its_word_statistics_were_primed(tmp_path: Path) -> None:
    assert MatchModel.load().idf_prior_documents == 20
    old = json.loads(BUNDLED.read_text())
    del old["idf_prior_documents"]  # a file from before the prior: measured as it was
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert MatchModel.load(tmp_path / "old.json").idf_prior_documents == 0


def test_the_cross_language_cosine_comes_with_the_profiles_model(tmp_path: Path) -> None:
    """Cosines across languages run lower with static piece vectors than with use-m3."""
    static, default = (MatchModel.load(bundled_for(p)).grouping for p in ("static", "use-m3"))
    assert static is not None and default is not None
    assert static.cross_language_cosine == 0.6 and default.cross_language_cosine == 0.7
    # A file written before the setting travelled with the model gets the old constant.
    data = json.loads(BUNDLED.read_text())
    del data["grouping"]["cross_language_cosine"]
    (tmp_path / "older.json").write_text(json.dumps(data))
    older = MatchModel.load(tmp_path / "older.json").grouping
    assert older is not None and older.cross_language_cosine == CROSS_LANGUAGE_COSINE == 0.7
