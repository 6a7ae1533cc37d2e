"""`wirewatch dlq` reads from the store which dead letters were sent back; where it cannot,
the listing goes on without, and says why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.cli.dlq import _sent_back
from pipeline.settings import Settings
from pipeline.store.store import Store

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_no_store_at_the_url_says_so_and_shows_nothing_sent_back(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'absent.db'}")
    sent_back, why = _sent_back(settings)
    assert sent_back == {}
    assert why is not None and "no store at" in why
    assert not (tmp_path / "absent.db").exists()  # reading did not create it


def test_what_was_sent_back_is_read_from_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wirewatch.db'}"
    store = Store(url)
    store.create_schema()
    row = {"letter_key": "k", "article_id": "a", "requeued_to": "articles", "requeued_at": AT}
    store.record_requeues([row])
    store.close()
    assert _sent_back(Settings(database_url=url)) == ({"k": ("articles", AT)}, None)
