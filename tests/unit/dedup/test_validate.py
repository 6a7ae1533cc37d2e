"""Input validation: every way a message can break the contract has its own reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.dedup.validate import DEFAULT_LIMITS, Limits, parse_article
from pipeline.errors import InvalidArticle

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _raw(**fields: object) -> bytes:
    base: dict[str, object] = {"id": "a-1", "source": "wire.example", "body": "Some text."}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()


def _reason(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(raw, NOW, limits)
    return caught.value.reason


def test_a_valid_article_is_cleaned_and_keeps_unknown_fields() -> None:
    article = parse_article(
        _raw(
            title=" <b>Big</b> news ",
            body="<p>First&nbsp;line</p><p>Second\x07 line</p>",
            published_at="2025-07-03T10:00:00+02:00",
            desk="world",
        ),
        NOW,
    )
    assert article.title == "Big news"
    assert article.body == "First line\nSecond line"
    assert article.published_at == datetime(2025, 7, 3, 8, 0, tzinfo=UTC)
    assert article.extra == {"desk": "world"}


def test_missing_date_means_received_now_and_naive_dates_are_utc() -> None:
    assert parse_article(_raw(), NOW).published_at == NOW
    naive = parse_article(_raw(published_at="2025-07-03T10:00:00"), NOW)
    assert naive.published_at == datetime(2025, 7, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "not_utf8"),
        (b"{not json", "not_json"),
        (b"[1, 2]", "not_an_object"),
        (b'"text"', "not_an_object"),
        (_raw(body=...), "invalid_fields"),
        (_raw(id=...), "invalid_fields"),
        (_raw(id=42), "invalid_fields"),
        (_raw(id="   "), "invalid_fields"),
        (_raw(id="bad\u0000id"), "invalid_fields"),
        (_raw(source=["a"]), "invalid_fields"),
        (_raw(body=""), "empty_body"),
        (_raw(body="<p> </p>&nbsp;"), "empty_body"),
        (_raw(published_at="yesterday"), "invalid_fields"),
        (_raw(published_at=1751536800), "invalid_fields"),
        (_raw(published_at="2999-01-01T00:00:00Z"), "published_in_future"),
    ],
)
def test_each_broken_message_gets_its_reason(raw: bytes, reason: str) -> None:
    assert _reason(raw) == reason


def test_size_limits() -> None:
    limits = Limits(max_message_bytes=2_000, max_body_chars=500, max_future=timedelta(0))
    assert _reason(_raw(body="x" * 3_000), limits) == "message_too_large"
    assert _reason(_raw(body="word " * 200), limits) == "body_too_large"


def test_the_detail_says_what_to_fix() -> None:
    with pytest.raises(InvalidArticle) as caught:
        parse_article(_raw(body=...), NOW)
    assert "body" in caught.value.detail
