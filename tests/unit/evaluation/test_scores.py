"""The clustering scores on cases small enough to check by hand."""

from __future__ import annotations

import pytest

from pipeline.evaluation.scores import Scores, bcubed, duplicate_pairs, pairwise


def test_bcubed_and_pairwise_of_a_split_and_a_wrong_merge() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    predicted = {"a": "x", "b": "y", "c": "y"}
    # Precision per item: a 1, b 1/2, c 1/2. Recall per item: a 1/2, b 1/2, c 1.
    assert bcubed(gold, predicted) == pytest.approx(Scores.of(2 / 3, 2 / 3))
    # The only gold pair (a, b) is split; the only predicted pair (b, c) is wrong.
    assert pairwise(gold, predicted) == Scores(0.0, 0.0, 0.0)


def test_everything_in_one_cluster() -> None:
    gold = {"a": 1, "b": 1, "c": 2, "d": 2}
    predicted = dict.fromkeys(gold, "all")
    assert bcubed(gold, predicted) == pytest.approx(Scores.of(0.5, 1.0))
    # 6 predicted pairs, 2 of them right; both gold pairs found.
    assert pairwise(gold, predicted) == pytest.approx(Scores.of(1 / 3, 1.0))
    assert pairwise(gold, predicted).f1 == pytest.approx(0.5)


def test_perfect_and_singletons() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    assert bcubed(gold, {"a": 7, "b": 7, "c": 8}) == Scores(1.0, 1.0, 1.0)
    singletons = {"a": 1, "b": 2, "c": 3}
    assert bcubed(singletons, singletons) == Scores(1.0, 1.0, 1.0)
    # No pair to find and none predicted: nothing is wrong.
    assert pairwise(singletons, singletons) == Scores(1.0, 1.0, 1.0)


def test_copy_pairs_count_within_copy_groups() -> None:
    gold = {"o": None, "c1": "o", "c2": "o", "x": None}
    predicted = {"o": None, "c1": "o", "c2": None, "x": "o"}
    # Gold pairs: o-c1, o-c2, c1-c2. Predicted: o-c1, o-x, c1-x. One in common.
    assert duplicate_pairs(gold, predicted) == pytest.approx(Scores.of(1 / 3, 1 / 3))
    assert duplicate_pairs(gold, gold) == Scores(1.0, 1.0, 1.0)


def test_every_item_needs_a_prediction() -> None:
    with pytest.raises(ValueError, match="no prediction"):
        bcubed({"a": 1, "b": 1}, {"a": 1})
