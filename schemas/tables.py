"""The SQL tables (SQLAlchemy Core). The store is the source of truth: the stages rebuild
their in-memory indexes from it on start."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

ID = 512  # the longest article id or source name the input accepts

events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("headline", Text, nullable=False),
    Column("canonical_article_id", String(ID), nullable=False),
    Column("article_count", Integer, nullable=False),
    Column("duplicate_count", Integer, nullable=False),
    Column("source_count", Integer, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False, index=True),
    Column("updated_at", UTCDateTime, nullable=False),
    # The desk's corrections (issue 14): the article whose headline an editor pinned, and
    # for an event merged into another, that event (its row stays, with no articles).
    Column("pinned_article_id", String(ID)),
    Column("merged_into", String(64)),
    # When an editor last merged, moved or split articles in or out of it: its parts then
    # stay where the editor left them (pipeline/events/grouping.py).
    Column("edited_at", UTCDateTime),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("duplicate_of", String(ID), index=True),
    Column("source", String(ID), nullable=False),
    Column("title", Text),
    Column("url", Text),
    Column("language", String(35)),
    Column("published_at", UTCDateTime, nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),
    Column("event_similarity", Float),
    Column("dup_similarity", Float),
    Column("embedding", LargeBinary),
    Column("extra", Text),
    # The part of its event whose evidence the article shaped: the event it was matched
    # into, kept when an editor merges that event into another, so that the merged event
    # matches new articles with each half's own centroid and words (NULL: its event).
    Column("part_id", String(64)),
)

event_sources = Table(
    "event_sources",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("source", String(ID), primary_key=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("article_id", String(ID), nullable=False),
)

# The outbox: every change and alert is written with the articles that caused it, then
# published; rows stay as the events' timelines. `seq` keeps publication in write order.
event_updates = Table(
    "event_updates",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(600), nullable=False, unique=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("article_id", String(ID), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published", Boolean, nullable=False, default=False, index=True),
)

alerts = Table(
    "alerts",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(700), nullable=False, unique=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("source", String(ID), nullable=False),
    Column("article_id", String(ID), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published", Boolean, nullable=False, default=False, index=True),
)

# Every correction an editor asked for, as the event stage decided it: `outcome` is
# "applied", "unchanged" (already so: the same command twice) or "rejected" (`detail`
# says why). `evidence`: the articles on each side at the time, JSON, for training data.
corrections = Table(
    "corrections",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("action", String(16), nullable=False),
    Column("event_id", String(64)),
    Column("from_event_id", String(64)),
    Column("article_ids", Text, nullable=False),  # JSON list
    Column("result_event_id", String(64)),  # where the articles are now: new, or the target
    Column("by", String(200), nullable=False),
    Column("note", Text, nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON object
)

# The dedup stage's own state, written before its offsets are committed.
fingerprints = Table(
    "fingerprints",
    metadata,
    Column("article_id", String(ID), primary_key=True),
    Column("canonical_id", String(ID), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("lead_signature", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("published_at", UTCDateTime, nullable=False, index=True),
)

# Webhook alerts: one row per alert id, so a redelivered alert is never POSTed twice. Rows
# wait as "pending" until their event's rate limit allows a POST; a worker claims them
# for a short lease while it sends, then marks them "delivered" or "failed". Alerts the
# filters leave out are kept as "skipped", with the reason.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("alert_id", String(700), primary_key=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("partition", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reason", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", UTCDateTime),
    Column("claim", String(64)),
    Column("delivered_at", UTCDateTime),
    Column("response_status", Integer),
    Column("error", Text),
)

# Parts of events grown to a size at which the grouping weighs them again
# (pipeline/events/grouping.py): written with the batch that grew them, deleted with the
# regroup that weighed them. A worker stopped between the two weighs them on start, as it
# would have: otherwise those parts would wait for their next size, and a stop would
# leave events that an undisturbed run mends.
due_parts = Table(
    "due_parts",
    metadata,
    Column("part_id", String(64), primary_key=True),
)

# Dead letters whose originals `wirewatch dlq --requeue` sent back: a dead letter (one
# message of the dead-letter topic, named by a digest of its bytes, which hold the time it
# was dead-lettered) goes back once unless asked again, and its listing says so.
requeues = Table(
    "requeues",
    metadata,
    Column("letter_key", String(64), primary_key=True),
    Column("article_id", String(ID)),
    Column("requeued_to", String(255), nullable=False),
    Column("requeued_at", UTCDateTime, nullable=False),
)

# Facts about the stored state itself, such as the fingerprint scheme that wrote the
# fingerprints (issue 7): a store written by another scheme is re-fingerprinted on start.
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
