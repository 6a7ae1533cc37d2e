"""Dead letters sent back where they came from, once what stopped them is mended (a
limit raised, a release that takes what an earlier one refused, a store that failed one
batch): each original goes back, byte for byte, to the topic it was read from, keyed as
the pipeline keys that topic. Trying costs nothing: what fails again is dead-lettered
again, and an article stored meanwhile is taken as a replay.

Some cannot go back as they are, and say why (`requeue_of` returns the reason): an
original kept only in part, a correction the event stage recorded as rejected (a second
try would find that record and do nothing), one read from a topic the pipeline does not
read. A dead letter goes back once: the store records it (by `letter_key`), and a later
requeue keeps it, saying when it went, unless asked to send it again; what failed again
has a dead letter of its own by then."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pipeline.kafka.ingest import article_key
from schemas.messages import DeadLetter


@dataclass(frozen=True)
class Requeue:
    """An original, ready to be sent back."""

    topic: str
    key: bytes | None
    value: bytes


def letter_key(raw: bytes) -> str:
    """The name of one message of the dead-letter topic, whatever its offset: a broker
    that restarted empty numbers its messages from 0 again, but the bytes of a dead letter
    hold the moment it was dead-lettered."""
    return hashlib.sha256(raw).hexdigest()[:32]


def requeue_of(
    letter: DeadLetter | None,
    topics: Collection[str],
    sent_back: tuple[str, datetime] | None = None,
) -> Requeue | str:
    """Where the dead letter's original goes back to, or why it cannot; `topics`: those the
    pipeline reads (a dead letter of an earlier deployment may name one nobody reads now,
    which the broker would create on the spot); `sent_back`: where and when an earlier
    requeue sent it (None to send it whatever was done before)."""
    if letter is None:
        return "not a dead letter record"
    if sent_back is not None:
        topic, at = sent_back
        return f"sent back to {topic} already, {at:%Y-%m-%d %H:%M:%SZ} (--again sends it once more)"
    if letter.topic not in topics:
        return f"read from {letter.topic}, which this pipeline does not read"
    if letter.truncated:
        return (
            f"only the first {len(letter.original_bytes()):,} of its "
            f"{letter.original_size:,} bytes were kept"
        )
    if letter.reason == "correction_rejected":
        return "the correction is recorded as rejected: send it anew"
    value = letter.original_bytes()
    return Requeue(letter.topic, _key(value), value)


def _key(value: bytes) -> bytes | None:
    """An input article by its id (as `wirewatch ingest` keys it); a record past the dedup
    stage by the article it is a copy of, or its own, so that a copy follows its original;
    anything else (not JSON, a correction) unkeyed."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    article = data.get("article") if isinstance(data, dict) else None
    if not isinstance(article, dict):
        return article_key(value)
    key = data.get("duplicate_of") or article.get("id")
    return key.encode() if isinstance(key, str) and key else None
