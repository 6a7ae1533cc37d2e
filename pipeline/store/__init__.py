"""The SQL store, source of truth: the engine and its dialects (`engine`), which errors
mean "away, retry" (`availability`), the typed rows the stages write (`rows`), the Store
with every read and write of wirewatch (`store`), and the events' timelines read from
its outbox (`timeline`). All SQL of wirewatch is in here."""

from pipeline.store.availability import is_unavailable, looks_misconfigured
from pipeline.store.rows import (
    APPLIED,
    REJECTED,
    UNCHANGED,
    AlertRow,
    ArticleRow,
    ClaimedDeliveries,
    CorrectionRow,
    DeliveryRow,
    EventRow,
    EventSourceRow,
    FingerprintRow,
    Outbox,
    UpdateRow,
    Writes,
)
from pipeline.store.store import Store
from pipeline.store.timeline import recent_updates, updates_of

__all__ = [
    "APPLIED",
    "REJECTED",
    "UNCHANGED",
    "AlertRow",
    "ArticleRow",
    "ClaimedDeliveries",
    "CorrectionRow",
    "DeliveryRow",
    "EventRow",
    "EventSourceRow",
    "FingerprintRow",
    "Outbox",
    "Store",
    "UpdateRow",
    "Writes",
    "is_unavailable",
    "looks_misconfigured",
    "recent_updates",
    "updates_of",
]
