"""Near-duplicates are found within a language: a wire copy is, a translation is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipeline.dedup.fingerprint import Fingerprinter
from pipeline.dedup.index import NearDuplicateIndex, same_language

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
