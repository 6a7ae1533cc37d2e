"""The board's side of the page: only http(s) links leave it, every timeline entry
carries its article's publication time, and who is warned about having no login."""

from __future__ import annotations

import pytest

from pipeline.newsroom.board import Board
from pipeline.newsroom.dashboard import is_loopback
from tests.support.stories import QUAKE


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("javascript:alert(1)", None),
        ("  JAVASCRIPT:alert(1)", None),
        ("vbscript:x", None),
        ("data:text/html,x", None),
        ("https://example.org/a", "https://example.org/a"),
    ],
)
def test_a_stored_unsafe_url_never_leaves_the_board(url: str, shown: str | None) -> None:
    first = QUAKE[0]
    update = first.model_copy(update={"article": first.article.model_copy(update={"url": url})})
    board = Board()
    board.apply(update)
    [story] = board.snapshot()[0]["stories"]
    assert story["url"] == shown


def test_timeline_entries_carry_the_publication_time() -> None:
    board = Board()
    for update in QUAKE:
        board.apply(update)
    view = board.snapshot()[0]
    published = {a.article.id: a.article.published_at for a in QUAKE}
    for entry in view["timeline"]:
        assert entry["published_at"] == published[entry["article_id"]].isoformat().replace(
            "+00:00", "Z"
        )
        assert entry["at"] != entry["published_at"]  # processing time is another time


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.5", False),
        ("desk.example", False),
    ],
)
def test_which_addresses_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
