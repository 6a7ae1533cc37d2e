"""The typed rows the stages hand the store, and what the store hands back: one frozen
dataclass per table row written, its fields named after the table's columns.
`column_values` is the one place where a row becomes column values."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from pipeline.embedding.codec import vector_bytes
from schemas.messages import Alert, EventUpdate

# The states of a webhook delivery (`webhook_deliveries.status`).
PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"


@dataclass(frozen=True)
class FingerprintRow:
    """A `fingerprints` row: the dedup stage's state for one article."""

    article_id: str
    canonical_id: str
    signature: np.ndarray
    lead_signature: np.ndarray
    size: int
    content_hash: str
    published_at: datetime


@dataclass(frozen=True)
class ArticleRow:
    """An `articles` row: where the event stage put one article."""

    id: str
    event_id: str
    duplicate_of: str | None
    source: str
    title: str | None
    url: str | None
    language: str | None
    published_at: datetime
    received_at: datetime
    body: str
    event_similarity: float | None = None
    dup_similarity: float | None = None
    embedding: np.ndarray | None = None  # the vector that placed it; copies have none
    extra: Mapping[str, Any] | None = None  # the input's unknown fields, stored as JSON
    part_id: str | None = None  # the part of the event it matched (see schemas/tables.py)


@dataclass(frozen=True)
class EventRow:
    """An `events` row: the aggregate of one event after a batch."""

    id: str
    headline: str
    canonical_article_id: str
    article_count: int
    duplicate_count: int
    source_count: int
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    pinned_article_id: str | None = None
    merged_into: str | None = None

    @classmethod
    def of(
        cls, update: EventUpdate, updated_at: datetime, merged_into: str | None = None
    ) -> EventRow:
        """The event as an update leaves it."""
        return cls(
            update.event_id,
            update.headline,
            update.canonical_article_id,
            update.article_count,
            update.duplicate_count,
            update.source_count,
            update.first_seen,
            update.last_seen,
            updated_at,
            update.pinned_article_id,
            merged_into,
        )


@dataclass(frozen=True)
class EventSourceRow:
    """An `event_sources` row: when a source first reported an event, and with what."""

    event_id: str
    source: str
    first_seen: datetime
    article_id: str


@dataclass(frozen=True)
class OutboxRow:
    """A row of the outbox: one record written with its batch, published after it."""

    id: str
    event_id: str
    kind: str
    article_id: str
    payload: str  # the record as JSON
    created_at: datetime
    published: bool = False


@dataclass(frozen=True)
class UpdateRow(OutboxRow):
    """An `event_updates` row: one change of an event."""

    @classmethod
    def of(cls, update: EventUpdate, created_at: datetime, published: bool = False) -> UpdateRow:
        return cls(
            update.update_id,
            update.event_id,
            update.kind,
            update.article.id,
            update.model_dump_json(),
            created_at,
            published,
        )


@dataclass(frozen=True)
class AlertRow(OutboxRow):
    """An `alerts` row: one alert, naming the source that joined."""

    source: str = ""

    @classmethod
    def of(cls, alert: Alert, created_at: datetime) -> AlertRow:
        return cls(
            alert.alert_id,
            alert.event_id,
            alert.kind,
            alert.article_id,
            alert.model_dump_json(),
            created_at,
            source=alert.source,
        )


@dataclass(frozen=True)
class DeliveryRow:
    """A new `webhook_deliveries` row: an alert queued for the webhook."""

    alert_id: str
    event_id: str
    partition: int
    status: str  # PENDING or SKIPPED
    reason: str
    payload: str  # the Alert as JSON
    received_at: datetime
    due_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class CorrectionRow:
    """A `corrections` row: one correction of the desk, as the event stage decided it."""

    id: str
    action: str
    event_id: str | None
    from_event_id: str | None
    article_ids: list[str]
    result_event_id: str | None
    by: str
    note: str
    requested_at: datetime
    applied_at: datetime
    outcome: str  # APPLIED, UNCHANGED or REJECTED
    detail: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)


# The outcomes of a correction (`corrections.outcome`).
APPLIED, UNCHANGED, REJECTED = "applied", "unchanged", "rejected"


class Placement(NamedTuple):
    """Where a stored article went."""

    event_id: str
    duplicate_of: str | None
    language: str | None


@dataclass
class Writes:
    """Everything one batch of the event stage writes, in one transaction. A correction,
    or a part that moves to another event, also moves stored articles (`moves`: article
    id -> (event id, part id)) and rewrites the sources of the events it changes
    (`replaced_sources`); a correction marks the events it changed as edited (`edited`)."""

    articles: list[ArticleRow] = field(default_factory=list)
    events: dict[str, EventRow] = field(default_factory=dict)  # last state per event
    sources: list[EventSourceRow] = field(default_factory=list)
    updates: list[UpdateRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)
    moves: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    replaced_sources: set[str] = field(default_factory=set)
    corrections: list[CorrectionRow] = field(default_factory=list)
    edited: dict[str, datetime] = field(default_factory=dict)  # event id -> when
    # The parts due to be weighed again after this write, all of them (`due_parts`); None
    # leaves the stored ones as they are.
    due: frozenset[str] | None = None

    def __bool__(self) -> bool:
        return bool(self.articles or self.corrections or self.moves) or self.due is not None


@dataclass(frozen=True)
class Outbox:
    """Written but not yet published: (event_id, JSON payload) pairs in write order."""

    update_seqs: list[int]
    alert_seqs: list[int]
    updates: list[tuple[str, str]]
    alerts: list[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.update_seqs or self.alert_seqs)


@dataclass(frozen=True)
class ClaimedDeliveries:
    """The pending deliveries of one event, claimed under `token` for a lease."""

    event_id: str
    token: str
    alerts: list[tuple[str, str]]  # (Alert JSON, reason) of each
    attempts: int  # the most attempts any of them has had


Row = (
    FingerprintRow
    | ArticleRow
    | EventRow
    | EventSourceRow
    | UpdateRow
    | AlertRow
    | DeliveryRow
    | CorrectionRow
)


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))  # `fields` itself costs more than the copy


def column_values(row: Row) -> dict[str, Any]:
    """The row as its table's column values: the one place where rows meet columns."""
    values = {name: getattr(row, name) for name in _field_names(type(row))}
    if isinstance(row, FingerprintRow):
        values["signature"] = row.signature.astype(np.uint32).tobytes()
        values["lead_signature"] = row.lead_signature.astype(np.uint32).tobytes()
    elif isinstance(row, ArticleRow):
        values["embedding"] = None if row.embedding is None else vector_bytes(row.embedding)
        values["extra"] = dumps(row.extra) if row.extra else None
    elif isinstance(row, CorrectionRow):
        values["article_ids"] = dumps(row.article_ids)
        values["evidence"] = dumps(row.evidence)
    return values


def fingerprint_from(r: Any) -> FingerprintRow:
    """A FingerprintRow from a `fingerprints` row read back."""
    return FingerprintRow(
        article_id=r.article_id,
        canonical_id=r.canonical_id,
        signature=np.frombuffer(r.signature, dtype=np.uint32).copy(),
        lead_signature=np.frombuffer(r.lead_signature, dtype=np.uint32).copy(),
        size=r.size,
        content_hash=r.content_hash,
        published_at=r.published_at,
    )


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":"), default=str)
