"""Turn the raw bytes of an input message into a clean Article, or say why not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from pipeline.errors import InvalidArticle
from pipeline.text import clean_text
from schemas.article import Article, ArticleIn


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 512 * 1024
    max_body_chars: int = 200_000
    max_future: timedelta = timedelta(days=1)


DEFAULT_LIMITS = Limits()


def parse_article(raw: bytes, received_at: datetime, limits: Limits = DEFAULT_LIMITS) -> Article:
    """Validate one message. Raises InvalidArticle with a reason code and a readable detail."""
    if len(raw) > limits.max_message_bytes:
        raise InvalidArticle(
            "message_too_large", f"{len(raw)} bytes, the limit is {limits.max_message_bytes}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArticle("not_utf8", f"invalid UTF-8 at byte {exc.start}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArticle(
            "not_json", f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidArticle("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    try:
        article = ArticleIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle("invalid_fields", _describe(exc)) from None

    body = clean_text(article.body)
    if not body:
        raise InvalidArticle("empty_body", "body is empty once markup and blanks are removed")
    if len(body) > limits.max_body_chars:
        raise InvalidArticle(
            "body_too_large", f"{len(body)} characters, the limit is {limits.max_body_chars}"
        )
    published_at = article.published_at or received_at
    if published_at > received_at + limits.max_future:
        raise InvalidArticle(
            "published_in_future",
            f"published_at {published_at.isoformat()} is more than "
            f"{limits.max_future} after the time it was received",
        )
    title = clean_text(article.title) if article.title else None
    return Article(
        id=article.id,
        source=article.source,
        body=body,
        title=title or None,
        url=clean_text(article.url) or None if article.url else None,
        language=clean_text(article.language) or None if article.language else None,
        published_at=published_at.astimezone(UTC),
        received_at=received_at,
        extra=article.extra,
    )


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        field = ".".join(str(p) for p in error["loc"]) or "message"
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)
