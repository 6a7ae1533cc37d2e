"""The embedding stage finds what each unique article names and counts its words, and
carries both on the `Embedded` record, next to the embedding; copies get none of them
(they skip every model). The event stage weighs the counted words exactly as it weighs
words it counts itself from the text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError

from pipeline.embedding.stage import read_batch, with_embeddings
from pipeline.events.lexical import term_vector, weighted
from schemas.article import Article
from schemas.messages import Deduped, Embedded

NOW = datetime(2025, 7, 3, tzinfo=UTC)


def _deduped(article_id: str, body: str, duplicate_of: str | None = None) -> bytes:
    article = Article(
        id=article_id, source="s", body=body, title=None, published_at=NOW, received_at=NOW
    )
    return (
        Deduped(article=article, duplicate_of=duplicate_of, produced_at=NOW)
        .model_dump_json()
        .encode()
    )


def test_unique_articles_carry_their_mentions_and_words_and_copies_none() -> None:
    values = [
        _deduped("a", "Floods hit the town. Mayor Anna Keller ordered 300 people out of Tartu."),
        _deduped("b", "Floods hit the town. Mayor Anna Keller ordered 300 people out.", "a"),
    ]
    batch = read_batch(values, 1000)
    assert batch.unique == [0] and len(batch.mentions) == 1
    out = with_embeddings(values, batch, np.ones((1, 4), dtype=np.float32) / 2)
    first, copy = (Embedded.model_validate_json(v) for v in out)
    assert first.mentions is not None and {"anna keller", "300", "tartu"} <= set(first.mentions)
    assert first.vector() is not None
    assert first.words == {
        "floods": 1,
        "hit": 1,
        "the": 1,
        "town": 1,
        "mayor": 1,
        "anna": 1,
        "keller": 1,
        "ordered": 1,
        "300": 1,
        "people": 1,
        "out": 1,
        "tartu": 1,
    }
    assert weighted(first.words) == term_vector(None, first.article.body)
    assert copy.mentions is None and copy.embedding is None and copy.words is None
    assert json.loads(out[1]) == json.loads(values[1])


def test_a_record_with_words_counted_zero_times_is_refused() -> None:
    """A count is at least 1 (its logarithm weighs the word): a record saying otherwise is
    invalid, and the event stage dead-letters it as any invalid record."""
    record = json.loads(_deduped("a", "Floods hit the town."))
    Embedded.model_validate({**record, "words": {"floods": 2}})
    for bad in ({"floods": 0}, {"floods": -1}, {"floods": "many"}):
        with pytest.raises(ValidationError, match="words"):
            Embedded.model_validate({**record, "words": bad})
