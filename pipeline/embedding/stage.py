"""The embedding stage's pure logic, on the raw JSON of `Deduped` records.

The stage reads a few fields and adds three: the embedding, and what the event stage
weighs besides it (the mentions of names, places, numbers and dates, and the content
words with their counts), found here, where the work scales out, so that the single
writer only reads them. Parsing each record into models and writing it out again would
cost more CPU than anything but the model, so it reads the JSON once and splices the
additions into the original bytes. The result is exactly an `Embedded` record (a
copy's has none of the three).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.embedding.codec import pack_vector
from pipeline.embedding.encoder import embedding_text
from pipeline.language.words import word_counts
from pipeline.mentions import mentions

# How a `Deduped` record of a unique article writes its (empty) link, as pydantic writes
# it: unescaped quotes, which no JSON string can hold.
_UNIQUE_MARK = b'"duplicate_of":null'


def embedding_runs(values: Sequence[bytes], size: int) -> list[range]:
    """The records cut into consecutive runs of at most `size` unique articles each, with
    the copies among them (a copy is not embedded): the model then encodes batches of
    `size` texts, the batch its raw speed is measured with, whatever the share of copies.
    Copies are told from the bytes, unparsed: a wrong guess (an article whose `extra`
    holds such a field) moves where a run ends, nothing else."""
    runs, start, texts = [], 0, 0
    for position, value in enumerate(values):
        if _UNIQUE_MARK not in value:
            continue
        if texts == size:
            runs.append(range(start, position))
            start, texts = position, 0
        texts += 1
    if start < len(values):
        runs.append(range(start, len(values)))
    return runs


@dataclass(frozen=True)
class EmbedBatch:
    keys: list[bytes]  # article ids, the keys of the embedded records
    unique: list[int]  # positions of the articles to embed (not copies)
    texts: list[str]  # what to embed, one per unique article
    mentions: list[list[str]]  # what each unique article names
    words: list[dict[str, int]]  # each unique article's content words, counted


def read_batch(values: list[bytes], max_chars: int) -> EmbedBatch:
    keys, unique, texts, named, counted = [], [], [], [], []
    for position, value in enumerate(values):
        record = json.loads(value)
        article = record["article"]
        keys.append(article["id"].encode())
        if record.get("duplicate_of") is None:
            unique.append(position)
            texts.append(embedding_text(article.get("title"), article["body"], max_chars))
            named.append(mentions(article.get("title"), article["body"]))
            counted.append(word_counts(article.get("title"), article["body"]))
    return EmbedBatch(keys, unique, texts, named, counted)


def with_embeddings(values: list[bytes], batch: EmbedBatch, vectors: np.ndarray) -> list[bytes]:
    """The records with `"embedding"`, `"mentions"` and `"words"` added to each unique one."""
    out = list(values)
    found = zip(batch.unique, vectors, batch.mentions, batch.words, strict=True)
    for position, vector, named, counted in found:
        packed = pack_vector(vector).encode()
        value = values[position].rstrip()
        if not value.endswith(b"}"):
            raise ValueError("a deduped record is not a JSON object")
        out[position] = b"".join(
            (
                value[:-1],
                b',"embedding":"',
                packed,
                b'","mentions":',
                json.dumps(named, ensure_ascii=False).encode(),
                b',"words":',
                json.dumps(counted, ensure_ascii=False).encode(),
                b"}",
            )
        )
    return out
