"""Near-duplicates are found within a language: a wire copy is, a translation is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipeline.dedup.fingerprint import Fingerprinter
from pipeline.dedup.index import NearDuplicateIndex, same_language
from pipeline.embedding.encoder import HashingEncoder
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store.store import Store

SEED = json.loads(
    (Path(__file__).parents[3] / "pipeline/feeds/data/seed_articles.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()[0]
)
T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)
fingerprinter = Fingerprinter()
COPY = "MOSCOU, 3 juillet (AFP) - " + SEED["body"] + "\n© AFP"


def _index(language: str | None) -> NearDuplicateIndex:
    index = NearDuplicateIndex()
    index.add(SEED["id"], fingerprinter.fingerprint(SEED["body"]), SEED["id"], T0, language)
    return index


def test_a_copy_in_the_same_language_is_found() -> None:
    match = _index("fr").find(fingerprinter.fingerprint(COPY), "fr")
    assert match is not None and match.canonical_id == SEED["id"]


def test_an_article_in_another_language_is_never_a_copy() -> None:
    # The same text labelled in another language: not compared at all.
    assert _index("fr").find(fingerprinter.fingerprint(COPY), "en") is None
    index = _index("fr")
    assert index.find_and_add("other", fingerprinter.fingerprint(COPY), T0, "de") is None
    assert index.canonical_of("other") == "other"


def test_an_unknown_language_is_compared_with_all() -> None:
    assert _index(None).find(fingerprinter.fingerprint(COPY), "fr") is not None
    assert _index("fr").find(fingerprinter.fingerprint(COPY), None) is not None
    assert same_language(None, "de") and same_language("de", "de")
    assert not same_language("fr", "de")


def _line(article_id: str, body: str, language: str | None) -> bytes:
    article = {"id": article_id, "source": "wire.example", "body": body}
    article["published_at"] = "2025-07-03T10:00:00Z"
    if language:
        article["language"] = language
    return json.dumps(article, ensure_ascii=False).encode()


def test_the_languages_come_back_with_the_index_after_a_restart(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    store.create_schema()
    settings = Settings(model="hashing")
    first = InProcessPipeline(settings, store, HashingEncoder())
    first.run_batch([_line("fr-original", SEED["body"], None)])  # detected: fr
    assert store.languages_of(["fr-original"]) == {"fr-original": "fr"}

    restarted = InProcessPipeline(settings, store, HashingEncoder())
    restarted.load()
    plan = restarted.deduplicate(
        [_line("labelled-en", COPY, "en"), _line("fr-copy", COPY, "fr")], T0
    )
    copies = {d.article.id: d.duplicate_of for d in plan.forward}
    assert copies == {"labelled-en": None, "fr-copy": "fr-original"}
    store.close()
