"""The records on wirewatch's topics, all JSON.

Public: `event-updates` (EventUpdate), `alerts` (Alert), `articles.dlq` (DeadLetter).
Internal, between stages: `<app>.deduped` (Deduped), `<app>.embedded` (Embedded).
From the desk to the event stage: `<app>.corrections` (Correction).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field

from pipeline.embedding.codec import pack_vector, unpack_vector
from schemas.article import Article

UpdateKind = Literal[
    "created",
    "article_added",
    "duplicate_added",
    "source_joined",
    "reopened",  # a closed event taken up again by a later article
    "regrouped",  # a part of an event moved to another, as evidence grew (with `members`)
    # the desk's corrections (Correction below)
    "merged",
    "article_moved",
    "split",
    "headline_pinned",
    "headline_unpinned",
]
AlertKind = Literal["new_event", "source_joined"]
CorrectionAction = Literal["merge", "move", "split", "pin", "unpin"]


class Deduped(BaseModel):
    """An article after the dedup stage: unique, or a copy of `duplicate_of`."""

    article: Article
    duplicate_of: str | None = None
    dup_similarity: float | None = None
    produced_at: datetime  # when the input message was written: start of the latency clock


class Embedded(Deduped):
    """The same, with the embedding of a unique article (float32, base64), what its text
    names (pipeline/mentions.py) and its content words with their counts
    (pipeline/language/words.py), all found once, in the embedding stage. A record
    without `mentions` or `words` (a copy, or from an older worker) has them found again
    by the event stage."""

    embedding: str | None = None
    mentions: list[str] | None = None
    words: dict[str, Annotated[int, Field(gt=0)]] | None = None

    @staticmethod
    def pack(vector: np.ndarray) -> str:
        return pack_vector(vector)

    def vector(self) -> np.ndarray | None:
        if self.embedding is None:
            return None
        return unpack_vector(self.embedding)


class ArticleRef(BaseModel):
    id: str
    source: str
    title: str | None
    lead: str | None = Field(
        default=None, description="the first sentence of the body, for an article without a title"
    )
    url: str | None
    language: str | None = Field(
        default=None, description="ISO 639-1, given by the producer or detected (issue 15)"
    )
    published_at: datetime
    duplicate_of: str | None
    similarity: float | None = Field(
        description="match score to the event for an article (embedding, words and time, "
        "see pipeline/events/index.py), copy score for a duplicate"
    )


class SourceSeen(BaseModel):
    source: str
    first_seen: datetime
    article_id: str


class CorrectionRef(BaseModel):
    """The correction behind an update or an alert: who asked for what."""

    correction_id: str
    action: CorrectionAction
    by: str
    note: str
    merged_from: str | None = Field(
        default=None, description="for `merged`: the event absorbed, which is gone now"
    )


class EventUpdate(BaseModel):
    """One change of one event. `update_id` is stable: a redelivered change has the same id.

    An event whose `article_count` is 0 is gone (merged into another, or emptied by a
    move): consumers drop it."""

    update_id: str
    event_id: str
    kind: UpdateKind
    headline: str
    canonical_article_id: str
    article_count: int
    duplicate_count: int
    source_count: int
    sources: list[SourceSeen]
    first_seen: datetime
    last_seen: datetime
    article: ArticleRef
    produced_at: datetime
    emitted_at: datetime
    pinned_article_id: str | None = None  # the headline an editor chose, until unpinned
    correction: CorrectionRef | None = None  # set on the kinds of the desk's corrections
    members: list[ArticleRef] | None = Field(
        default=None,
        description="after a correction or a regrouping only: every article of the event "
        "now, oldest first (both can take articles out, which no other update does)",
    )


class Alert(BaseModel):
    """A new event, or a new source on an event. `alert_id` is stable across redelivery."""

    alert_id: str
    kind: AlertKind
    event_id: str
    headline: str
    source: str
    article_id: str
    language: str | None = None  # of the article that caused the alert (issue 15)
    source_count: int
    sources: list[str]
    created_at: datetime
    correction_id: str | None = None  # a merge that brought this source to the event


class Correction(BaseModel):
    """An editor's correction, on its way to the event stage (the single writer).

    `correction_id` is derived from the command and its request, so a redelivered message
    is recognised; the same command sent twice is recognised by its effect, which is
    already in place the second time (see pipeline/events/corrections.py).

    - merge: `event_id` absorbs `from_event_id`
    - move: `article_ids[0]` goes to `event_id`, or to a new event when `event_id` is None
    - split: `article_ids` leave `event_id` together, as one new event
    - pin / unpin: `event_id` is shown under `article_ids[0]` / under its own choice again
    """

    correction_id: str
    action: CorrectionAction
    event_id: str | None = None
    from_event_id: str | None = None
    article_ids: list[str] = Field(default_factory=list)
    by: str = ""
    note: str = ""
    requested_at: datetime

    @classmethod
    def make(
        cls,
        action: CorrectionAction,
        *,
        event_id: str | None = None,
        from_event_id: str | None = None,
        article_ids: list[str] | tuple[str, ...] = (),
        by: str = "",
        note: str = "",
        requested_at: datetime,
        nonce: str = "",
    ) -> Correction:
        command = "\x1f".join(
            [action, event_id or "", from_event_id or "", *article_ids, by, note, nonce]
        )
        return cls(
            correction_id="cx-" + hashlib.sha1(command.encode()).hexdigest()[:16],
            action=action,
            event_id=event_id,
            from_event_id=from_event_id,
            article_ids=list(article_ids),
            by=by,
            note=note,
            requested_at=requested_at,
        )


class DeadLetter(BaseModel):
    """A message the pipeline could not take, with why and the original bytes.

    The original is kept whole up to `MAX_ORIGINAL` bytes (every message the size limit
    admits); a larger one keeps its first `MAX_ORIGINAL` bytes, its size and its SHA-256,
    so that the dead letter itself still fits in a Kafka message.
    """

    MAX_ORIGINAL: ClassVar[int] = 512 * 1024

    reason: str
    detail: str
    original: str = Field(description="the original message, base64")
    original_size: int
    original_sha256: str
    truncated: bool = False
    topic: str
    partition: int | None = None
    offset: int | None = None
    received_at: datetime

    @classmethod
    def of(
        cls,
        raw: bytes,
        reason: str,
        detail: str,
        *,
        topic: str,
        received_at: datetime,
        partition: int | None = None,
        offset: int | None = None,
    ) -> DeadLetter:
        return cls(
            reason=reason,
            detail=detail,
            original=base64.b64encode(raw[: cls.MAX_ORIGINAL]).decode(),
            original_size=len(raw),
            original_sha256=hashlib.sha256(raw).hexdigest(),
            truncated=len(raw) > cls.MAX_ORIGINAL,
            topic=topic,
            partition=partition,
            offset=offset,
            received_at=received_at,
        )

    def original_bytes(self) -> bytes:
        return base64.b64decode(self.original)

    def article_id(self) -> str | None:
        """The id of the article the original was meant to be, where one can be read
        (also from the start of a truncated or otherwise broken original)."""
        raw = self.original_bytes()
        try:
            data = json.loads(raw)
        except ValueError:
            found = _ID.search(raw[:65536])
            return found.group(1).decode(errors="replace") if found else None
        if isinstance(data, dict) and isinstance(data.get("article"), dict):
            data = data["article"]  # a record past the dedup stage
        value = data.get("id") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    def head(self, chars: int = 100) -> str:
        """The first characters of the original, printable (controls escaped)."""
        text = self.original_bytes()[: chars * 4].decode(errors="replace")[:chars]
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_ID = re.compile(rb'"id"\s*:\s*"((?:[^"\\]|\\.){1,512})"')
