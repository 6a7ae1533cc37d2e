"""The default (multilingual) profile through the eval path: the demo's seed case stays
exact, the multilingual dev set is one event per happening across languages, and the
English development corpus keeps its floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.embedding.encoder import Encoder, load_encoder
from pipeline.evaluation.replay import load_corpus, replay, score
from pipeline.feeds import bundled_feed
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SEED_IDS = {
    json.loads(line)["id"]
    for line in (ROOT / "pipeline/feeds/data/seed_articles.jsonl").read_text().splitlines()
}


@pytest.fixture(scope="module")
def default_encoder() -> Encoder:
    settings = Settings()
    assert settings.model == "use-m3"
    return load_encoder(settings.model)


def test_the_seed_case_stays_exact(tmp_path: Path, default_encoder: Encoder) -> None:
    rows = []
    for line in bundled_feed().read_text().splitlines():
        article = json.loads(line)
        original = article.pop("wire_copy_of", None)
        event = "seed" if (original or article["id"]) in SEED_IDS else article["id"].split("-")[0]
        rows.append({**article, "event_id": event, "duplicate_of": original})
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    corpus = load_corpus(path)
    prediction = replay(corpus, Settings(), default_encoder)
    report = score(corpus, prediction)
    assert (report.gold_events, report.predicted_events) == (3, 3)
    assert report.bcubed.f1 == report.pairwise.f1 == report.duplicates.f1 == 1.0
    assert all(prediction.duplicate_of[i] is None for i in SEED_IDS)


def test_the_multilingual_set_keeps_its_floor(default_encoder: Encoder) -> None:
    # With the matcher of issue 4 on USE v3 this set scored BCubed 0.969 (precision 1.000);
    # the learned matcher of issue 12 gives 0.873 (precision 0.917): its word and name
    # features undervalue candidates in other languages. A known regression (stop note);
    # these floors keep it from getting worse.
    corpus = load_corpus(ROOT / "data/eval/multilingual.jsonl")
    report = score(corpus, replay(corpus, Settings(), default_encoder))
    assert report.bcubed.precision >= 0.9
    assert report.bcubed.f1 >= 0.86
    assert report.cross_language is not None and report.cross_language.f1 >= 0.85


@pytest.mark.slow
def test_the_english_development_corpus_keeps_its_floor(default_encoder: Encoder) -> None:
    corpus = load_corpus(ROOT / "data/eval/ecbplus_dev.jsonl")
    report = score(corpus, replay(corpus, Settings(), default_encoder))
    assert report.bcubed.f1 >= 0.92  # 0.927 with the learned matcher (0.945 before it)
