"""The SQL store, source of truth: engine and dialects, which errors mean "away, retry",
idempotent writes of the stages' results, and the reads that rebuild their indexes and
feed the CLI, the dashboard and the evaluation. All SQL of wirewatch is in here."""

from pipeline.store.availability import is_unavailable, looks_misconfigured
from pipeline.store.store import FingerprintRow, Outbox, Store, Writes
from pipeline.store.timeline import recent_updates, updates_of

__all__ = [
    "FingerprintRow",
    "Outbox",
    "Store",
    "Writes",
    "is_unavailable",
    "looks_misconfigured",
    "recent_updates",
    "updates_of",
]
