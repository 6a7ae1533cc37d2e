"""`wirewatch eval --through-broker`: the real pipeline on an embedded broker gives the
same figures as the in-process replay of the same stages."""

from __future__ import annotations

import pytest

from pipeline.embedding.encoder import load_encoder
from pipeline.evaluation.replay import load_corpus, replay, score
from pipeline.evaluation.through_broker import replay_through_broker
from pipeline.settings import Settings
from tests.support.paths import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]

NEARDUP = ROOT / "data/eval/neardup.jsonl"


def test_through_the_broker_equals_in_process() -> None:
    # The first 60 articles of the near-duplicate set: several events, copies among them.
    corpus = load_corpus(NEARDUP).head(60)
    settings = Settings(batch_wait_s=0.2)
    in_process = replay(corpus, settings, load_encoder(settings.model))
    through = replay_through_broker(corpus, settings, timeout_s=300)
    expected = score(corpus, in_process)
    assert expected.duplicates is not None and expected.predicted_duplicates > 0
    assert expected.predicted_events > 1
    assert score(corpus, through) == expected
    # Same partition of the articles: the event ids name the same first articles.
    assert through.event_of == in_process.event_of
    assert through.duplicate_of == in_process.duplicate_of
