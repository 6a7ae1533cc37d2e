"""Helpers shared by the tests (not tests themselves, not fixtures): paths, the worker
and broker helpers, the fault proxy, the webhook receiver, and data shared by several
test modules."""
