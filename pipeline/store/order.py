"""The one order of events, defined here and used everywhere: the store's reads (the
`wirewatch events` table, the events a dashboard loads), the dashboard's board
(`/api/events`, the stream) and the page, which sorts by `order_key` alone.

Most recent activity first (`events.updated_at`, the time of the event's newest change,
`last_activity` on the board), then the most recent `first_seen`, then the event id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement

from schemas.tables import events

EVENT_ORDER = "last activity (newest first), then first_seen (newest first), then event id"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAR = 10**18  # microseconds: past the year 9999, so every key has the same width


def event_order_by() -> tuple[ColumnElement[object], ...]:
    """The ORDER BY of a query on `events`."""
    return (events.c.updated_at.desc(), events.c.first_seen.desc(), events.c.id.asc())


def order_key(last_activity: datetime | None, first_seen: datetime | None, event_id: str) -> str:
    """A string whose ascending order is the event order: the board sorts by it, and the
    page compares these strings, so both order events the way the store does."""
    return f"{_newest_first(last_activity)}.{_newest_first(first_seen)}.{event_id}"


def _newest_first(moment: datetime | None) -> str:
    if moment is None:
        return "9" * 18  # never active: last
    delta = moment.astimezone(UTC) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{_FAR - micros:018d}"
