"""Pairwise scores over the pairs of articles in different languages, checked by hand."""

from __future__ import annotations

import pytest

from pipeline.evaluation.scores import cross_language_pairwise

GOLD = {"fr1": "call", "fr2": "call", "en1": "call", "de1": "call", "en2": "other"}
LANG = {"fr1": "fr", "fr2": "fr", "en1": "en", "de1": "de", "en2": "en"}


def test_a_split_by_language_finds_no_cross_language_pair() -> None:
    predicted = {"fr1": "a", "fr2": "a", "en1": "b", "de1": "c", "en2": "d"}
    scores = cross_language_pairwise(GOLD, predicted, LANG)
    assert scores is not None
    # Gold cross-language pairs: fr1-en1, fr1-de1, fr2-en1, fr2-de1, en1-de1 = 5; found 0.
    assert scores.recall == 0.0 and scores.precision == 1.0


def test_one_event_across_languages() -> None:
    predicted = {"fr1": "a", "fr2": "a", "en1": "a", "de1": "a", "en2": "a"}
    scores = cross_language_pairwise(GOLD, predicted, LANG)
    assert scores is not None
    # Predicted cross-language pairs: the 5 above plus fr1-en2, fr2-en2, de1-en2 = 8.
    assert scores.recall == 1.0
    assert scores.precision == pytest.approx(5 / 8)


def test_one_language_has_no_cross_language_score() -> None:
    assert cross_language_pairwise({"a": 1, "b": 1}, {"a": 1, "b": 1}, {"a": "en"}) is None
