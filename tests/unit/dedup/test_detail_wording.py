"""Issue 13, item 10: dead-letter details read as sentences ("at at" was one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.dedup.validate import parse_article
from pipeline.errors import InvalidArticle

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [b'{"id": "a', b'{"id": "a\x01"}', b"{", b"", b'{"id": "a"} x', b'{"id": "\\x"}'],
)
def test_not_json_details_name_the_place_once(raw: bytes) -> None:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw, NOW)
    detail = caught.value.detail
    assert caught.value.reason == "not_json"
    assert " at at " not in detail and "line 1" in detail and "column" in detail
