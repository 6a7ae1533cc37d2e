"""Turn the raw bytes of an input message into a clean Article, or say why not.

Every input either becomes an Article or raises InvalidArticle with a reason code; no
other exception escapes, whatever the bytes (tests/unit/dedup/test_hostile_input.py checks this
with generated input). Reason codes:

    message_too_large    over Limits.max_message_bytes
    not_utf8             not valid UTF-8
    not_json             not JSON (NaN and Infinity are not JSON either)
    too_complex          JSON nested deeper than MAX_DEPTH, or a number too long to read
    not_an_object        JSON, but not an object
    invalid_fields       a missing, mistyped or malformed field (the detail says which)
    invalid_unicode      a lone surrogate escape such as \\ud800, which is no character
    empty_body           nothing left of the body once markup and blanks are removed
    body_too_large       over Limits.max_body_chars once cleaned
    published_in_future  published_at more than Limits.max_future after reception
    published_too_early  published_at before Limits.earliest

Kept, with a note in `Article.notes`: a `url` that is not an absolute http(s) URL
(javascript:, vbscript:, data:, relative ...) is dropped, never stored or linked.
The source is cleaned like the other text fields (markup, bidi and zero-width
characters removed); a source with nothing left is invalid_fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from pipeline.errors import InvalidArticle
from pipeline.language.detect import language_of
from pipeline.settings import Settings
from pipeline.text import clean_text, safe_url
from schemas.article import Article, ArticleIn


@dataclass(frozen=True)
class Limits:
    """What an input message may be: size, body length, how far in the future."""

    max_message_bytes: int = 512 * 1024
    max_body_chars: int = 200_000
    max_future: timedelta = timedelta(days=1)
    # Before this, a date is an error in the feed, not news; it also keeps the live-window
    # arithmetic (published_at - window) far from the start of the calendar.
    earliest: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_message_bytes,
            settings.max_body_chars,
            timedelta(seconds=settings.max_future_s),
        )


# Deeper JSON is refused: the records that carry an article (and its unknown fields) on
# the internal topics must serialise again, and pydantic stops at a few hundred levels.
MAX_DEPTH = 32
_SURROGATE = re.compile(r"[\ud800-\udfff]")


DEFAULT_LIMITS = Limits()


def parse_article(raw: bytes, received_at: datetime, limits: Limits = DEFAULT_LIMITS) -> Article:
    """Validate one message. Raises InvalidArticle with a reason code and a readable detail."""
    if len(raw) > limits.max_message_bytes:
        raise InvalidArticle(
            "message_too_large", f"{len(raw)} bytes, the limit is {limits.max_message_bytes}"
        )
    try:
        # A leading byte-order mark is tolerated: some feed tools write one.
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArticle("not_utf8", f"invalid UTF-8 at byte {exc.start}") from None
    data = _load_json(text)
    if not isinstance(data, dict):
        raise InvalidArticle("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    _check_structure(data, check_surrogates="\\u" in text)
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
    if published_at < limits.earliest:
        raise InvalidArticle(
            "published_too_early",
            f"published_at {published_at.isoformat()} is before {limits.earliest.date()}",
        )
    if published_at > received_at + limits.max_future:
        raise InvalidArticle(
            "published_in_future",
            f"published_at {published_at.isoformat()} is more than "
            f"{limits.max_future} after the time it was received",
        )
    source = clean_text(article.source)
    if not source:
        raise InvalidArticle(
            "invalid_fields", "source: empty once markup and invisible characters are removed"
        )
    title = clean_text(article.title) if article.title else None
    url, notes = _checked_url(article.url)
    given = clean_text(article.language) if article.language else None
    return Article(
        id=article.id,
        source=source,
        body=body,
        title=title or None,
        url=url,
        # ISO 639-1; detected from the text when absent or not a language (issue 15)
        language=language_of(given, title, body),
        published_at=published_at.astimezone(UTC),
        received_at=received_at,
        extra=article.extra,
        notes=notes,
    )


def _checked_url(url: str | None) -> tuple[str | None, list[str]]:
    """The URL when it is a safe link, else None and a note saying why it was dropped."""
    if not url or not url.strip():
        return None, []
    safe = safe_url(url)
    if safe is not None:
        return safe, []
    shown = clean_text(url)[:60]
    return None, [f"url dropped: {shown!r} is not an absolute http(s) URL"]


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidArticle(
            # Some messages end in "at" ("Unterminated string starting at"): no "at at".
            "not_json",
            f"{exc.msg} (line {exc.lineno}, column {exc.colno})",
        ) from None
    except _NotJsonConstant as exc:
        raise InvalidArticle("not_json", str(exc)) from None
    except RecursionError:
        raise InvalidArticle("too_complex", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InvalidArticle("too_complex", str(exc).split(";")[0]) from None


class _NotJsonConstant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotJsonConstant(f"{name} is not valid JSON")


def _check_structure(data: dict[str, Any], *, check_surrogates: bool) -> None:
    """Depth and lone surrogates, in one walk over the parsed message."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidArticle("too_complex", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if check_surrogates and _SURROGATE.search(key):
                    raise _lone_surrogate(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif check_surrogates and isinstance(value, str) and _SURROGATE.search(value):
            raise _lone_surrogate(value)


def _lone_surrogate(text: str) -> InvalidArticle:
    found = _SURROGATE.search(text)
    code = f"\\u{ord(found.group()):04x}" if found else "?"
    return InvalidArticle(
        "invalid_unicode",
        f"a lone surrogate escape {code} is not a character; "
        "encode characters outside the BMP as a surrogate pair or as UTF-8",
    )


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        field = ".".join(str(p) for p in error["loc"]) or "message"
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)
