"""The embedding stage's pure logic, on the raw JSON of `Deduped` records.

The stage only reads a few fields and adds two (the embedding, and the mentions of
names, places, numbers and dates that the event stage weighs): parsing each record into models and
writing it out again would cost more CPU than anything but the model, so it reads the
JSON once and splices the embedding into the original bytes. The result is exactly an
`Embedded` record (a copy's has no embedding).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from pipeline.embedding.codec import pack_vector
from pipeline.embedding.encoder import embedding_text
from pipeline.mentions import mentions


@dataclass(frozen=True)
class EmbedBatch:
    keys: list[bytes]  # article ids, the keys of the embedded records
    unique: list[int]  # positions of the articles to embed (not copies)
    texts: list[str]  # what to embed, one per unique article
    mentions: list[list[str]]  # what each unique article names


def read_batch(values: list[bytes], max_chars: int) -> EmbedBatch:
    keys, unique, texts, named = [], [], [], []
    for position, value in enumerate(values):
        record = json.loads(value)
        article = record["article"]
        keys.append(article["id"].encode())
        if record.get("duplicate_of") is None:
            unique.append(position)
            texts.append(embedding_text(article.get("title"), article["body"], max_chars))
            named.append(mentions(article.get("title"), article["body"]))
    return EmbedBatch(keys, unique, texts, named)


def with_embeddings(values: list[bytes], batch: EmbedBatch, vectors: np.ndarray) -> list[bytes]:
    """The records with `"embedding"` and `"mentions"` added to each unique one."""
    out = list(values)
    for position, vector, named in zip(batch.unique, vectors, batch.mentions, strict=True):
        packed = pack_vector(vector).encode()
        value = values[position].rstrip()
        if not value.endswith(b"}"):
            raise ValueError("a deduped record is not a JSON object")
        found = json.dumps(named, ensure_ascii=False).encode()
        out[position] = value[:-1] + b',"embedding":"' + packed + b'","mentions":' + found + b"}"
    return out
