"""The embedding stage finds what each unique article names and carries it on the
`Embedded` record, next to the embedding; copies get neither (they skip every model)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from pipeline.embedding.stage import read_batch, with_embeddings
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


def test_unique_articles_carry_their_mentions_and_copies_none() -> None:
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
    assert copy.mentions is None and copy.embedding is None
    assert json.loads(out[1]) == json.loads(values[1])
