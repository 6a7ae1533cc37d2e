"""pipeline/runtime/app.py: the producer settings reach faust (its own 16 KiB batches held
four articles a request; docs/performance.md, "Producer batches")."""

from __future__ import annotations

from pipeline.runtime.app import create_app
from pipeline.settings import Settings
from pipeline.store import Store


def test_producer_batches_follow_the_setting() -> None:
    store = Store("sqlite://")
    try:
        default, _ = create_app(Settings(), store)
        assert default.conf.producer_max_batch_size == 512 * 1024
        small, _ = create_app(Settings(producer_batch_bytes=64 * 1024), store)
        assert small.conf.producer_max_batch_size == 64 * 1024
        # A batch always fits in one request.
        assert default.conf.producer_max_request_size > default.conf.producer_max_batch_size
    finally:
        store.close()
