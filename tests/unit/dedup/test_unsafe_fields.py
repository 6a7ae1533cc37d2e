"""Validation keeps only http(s) links, says when it dropped one, and cleans the source
like every other text field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.dedup.validate import parse_article
from pipeline.errors import InvalidArticle

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def raw(**fields: object) -> bytes:
    return json.dumps({"id": "a-1", "source": "wire.example", "body": "Text.", **fields}).encode()


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "vbscript:x", "data:text/html,<b>x</b>"],
)
def test_an_unsafe_url_is_dropped_and_the_article_kept(url: str) -> None:
    article = parse_article(raw(url=url), NOW)
    assert article.url is None
    assert article.body == "Text."
    assert len(article.notes) == 1
    assert article.notes[0].startswith("url dropped: ")


def test_an_http_url_is_kept_without_a_note() -> None:
    article = parse_article(raw(url="https://example.org/a"), NOW)
    assert article.url == "https://example.org/a"
    assert article.notes == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<b>wire.example</b>", "wire.example"),
        ("wire\u202e.example", "wire.example"),
        ("\u200bwire\u2066.example\ufeff", "wire.example"),
        ("wire &amp; co", "wire & co"),
        ("&lt;script&gt;x&lt;/script&gt;wire", "wire"),
    ],
)
def test_the_source_is_cleaned(source: str, expected: str) -> None:
    assert parse_article(raw(source=source), NOW).source == expected


def test_a_source_with_nothing_left_is_refused() -> None:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw(source="<b></b>\u202e"), NOW)
    assert caught.value.reason == "invalid_fields"
    assert "source" in caught.value.detail
