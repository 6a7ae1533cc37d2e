"""Hostile input at the unit level: validation (pipeline/dedup/validate.py) and the dedup stage.

Each kind of bad input gets a clear reason (or a documented treatment), and no input,
however generated, makes validation raise anything but InvalidArticle or produces an
article that cannot travel on to the next stage and into the store.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.dedup.fingerprint import Fingerprinter
from pipeline.dedup.index import NearDuplicateIndex
from pipeline.dedup.stage import DedupStage, Incoming
from pipeline.dedup.validate import DEFAULT_LIMITS, MAX_DEPTH, Limits, parse_article
from pipeline.errors import InvalidArticle
from pipeline.store.store import Store
from pipeline.text import clean_text
from schemas.messages import DeadLetter, Deduped
from tests.support.hostile import NOW, hostile_messages

LIMITS = DEFAULT_LIMITS
# C0 and C1 controls other than newline: none may survive in an article's text.
CONTROLS = {chr(c) for c in [*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}


def message(**fields: Any) -> bytes:
    return json.dumps(
        {"id": "a-1", "source": "wire.example", "body": "Some text.", **fields}, ensure_ascii=False
    ).encode()


def reason_of(raw: bytes, limits: Limits = LIMITS) -> str | None:
    try:
        parse_article(raw, NOW, limits)
        return None
    except InvalidArticle as exc:
        return exc.reason


# -- the catalogue: one example of each kind, with its reason ------------------------------

CATALOGUE: list[tuple[str, bytes, str | None]] = [
    ("invalid UTF-8", b'{"id": "a", "source": "s", "body": "caf\xe9"}', "not_utf8"),
    ("not JSON", b'{"id": "a", "source": "s", "body": "unterminated', "not_json"),
    ("empty message", b"", "not_json"),
    ("blank message", b"   \n", "not_json"),
    ("NaN is not JSON", b'{"id": "a", "source": "s", "body": "x", "score": NaN}', "not_json"),
    ("a list", b'[{"id": "a", "source": "s", "body": "x"}]', "not_an_object"),
    ("a string", b'"hello"', "not_an_object"),
    ("null", b"null", "not_an_object"),
    ("id is a number", message(id=42), "invalid_fields"),
    ("body is a list", message(body=["a", "b"]), "invalid_fields"),
    ("no source", json.dumps({"id": "a", "body": "x"}).encode(), "invalid_fields"),
    (
        "a title with no body",
        json.dumps({"id": "a", "source": "s", "title": "T"}).encode(),
        "invalid_fields",
    ),
    ("empty body", message(body=""), "empty_body"),
    ("only markup", message(body="<p> </p><br/>&nbsp;"), "empty_body"),
    ("only controls", message(body="\u0000\u0007\u200b"), "empty_body"),
    ("NUL in the id", message(id="a\u0000b"), "invalid_fields"),
    ("newline in the source", message(source="wire\nexample"), "invalid_fields"),
    ("an id too long", message(id="x" * 513), "invalid_fields"),
    ("malformed date", message(published_at="yesterday"), "invalid_fields"),
    ("impossible date", message(published_at="2025-13-45T10:00:00Z"), "invalid_fields"),
    ("date as a number", message(published_at=1751536800), "invalid_fields"),
    ("far-future date", message(published_at="2999-01-01T00:00:00Z"), "published_in_future"),
    (
        "end of the calendar",
        message(published_at="9999-12-31T23:59:59-14:00"),
        "published_in_future",
    ),
    (
        "start of the calendar",
        message(published_at="0001-01-01T00:00:00+14:00"),
        "published_too_early",
    ),
    ("before 1970", message(published_at="1969-12-31T23:59:59Z"), "published_too_early"),
    (
        "lone surrogate in the body",
        b'{"id": "a", "source": "s", "body": "x \\ud800 y"}',
        "invalid_unicode",
    ),
    (
        "lone surrogate in an unknown field",
        b'{"id": "a", "source": "s", "body": "x", "note": "\\udfff"}',
        "invalid_unicode",
    ),
    (
        "lone surrogate in a key",
        b'{"id": "a", "source": "s", "body": "x", "\\ud801": 1}',
        "invalid_unicode",
    ),
    (
        "nested too deep",
        b'{"id": "a", "source": "s", "body": "x", "n": ' + b"[" * 40 + b"]" * 40 + b"}",
        "too_complex",
    ),
    (
        "nested beyond the parser",
        b'{"id": "a", "source": "s", "body": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "too_complex",
    ),
    (
        "a number too long",
        b'{"id": "a", "source": "s", "body": "x", "n": ' + b"9" * 5000 + b"}",
        "too_complex",
    ),
    ("over the size limit", message(body="x" * LIMITS.max_message_bytes), "message_too_large"),
]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(raw, reason) for _, raw, reason in CATALOGUE],
    ids=[name for name, _, _ in CATALOGUE],
)
def test_each_kind_of_bad_input_has_its_reason(raw: bytes, reason: str) -> None:
    assert reason_of(raw) == reason


def test_body_over_the_character_limit() -> None:
    limits = Limits(max_body_chars=1000)
    assert reason_of(message(body="word " * 300), limits) == "body_too_large"
    # The limit counts the clean text: markup around it does not count.
    assert reason_of(message(body="<b>word</b> " * 150), limits) is None


def test_markup_and_controls_are_removed_not_rejected() -> None:
    raw = message(
        title="<h1>Storm &amp; <i>floods</i></h1>\u0007",
        body="<p>First\u0000 paragraph.</p><script>alert('x')</script>"
        "<p>Second\u200b paragraph\u0085.</p>",
        url=" https://example.org/a\u0000 ",
        language="fr\u0000",
    )
    article = parse_article(raw, NOW)
    assert article.title == "Storm & floods"
    assert article.body == "First paragraph.\nSecond paragraph."
    assert article.url == "https://example.org/a"
    assert article.language == "fr"


def test_documented_treatments() -> None:
    # A byte-order mark is tolerated.
    assert parse_article(b"\xef\xbb\xbf" + message(), NOW).id == "a-1"
    # A repeated key: the last one wins, as in every JSON parser that accepts it.
    raw = b'{"id": "first", "id": "second", "source": "s", "body": "x"}'
    assert parse_article(raw, NOW).id == "second"
    # No date: the time the message was received; a date without offset is UTC.
    assert parse_article(message(), NOW).published_at == NOW
    naive = parse_article(message(published_at="2025-07-03T10:00:00"), NOW)
    assert naive.published_at == datetime(2025, 7, 3, 10, 0, tzinfo=UTC)
    # Blanks around keys are dropped; unknown fields travel with the article.
    kept = parse_article(message(id="  a-1  ", kicker={"x": [1, 2]}), NOW)
    assert kept.id == "a-1" and kept.extra == {"kicker": {"x": [1, 2]}}


def test_the_dead_letter_of_an_oversize_message_keeps_a_truncated_original() -> None:
    raw = b"{" + b"x" * (2 * DeadLetter.MAX_ORIGINAL)
    assert reason_of(raw) == "message_too_large"
    dead = DeadLetter.of(raw, "message_too_large", "too big", topic="articles", received_at=NOW)
    assert dead.truncated
    assert dead.original_size == len(raw)
    assert dead.original_sha256 == hashlib.sha256(raw).hexdigest()
    assert base64.b64decode(dead.original) == raw[: DeadLetter.MAX_ORIGINAL]
    # Whole originals for everything the size limit admits.
    small = DeadLetter.of(
        b"x" * LIMITS.max_message_bytes, "not_json", "x", topic="t", received_at=NOW
    )
    assert not small.truncated and len(small.original_bytes()) == LIMITS.max_message_bytes


# -- generated input ---------------------------------------------------------------------


def check_article_invariants(raw: bytes) -> None:
    try:
        article = parse_article(raw, NOW)
    except InvalidArticle as exc:
        assert exc.reason and exc.detail
        return
    for text in (
        article.id,
        article.source,
        article.body,
        article.title or "",
        article.url or "",
        article.language or "",
    ):
        assert not CONTROLS & set(text.replace("\n", "")), repr(text)
        text.encode("utf-8")  # no lone surrogate: the next stage and the store can take it
    assert article.body and len(article.body) <= LIMITS.max_body_chars
    assert LIMITS.earliest <= article.published_at <= NOW + LIMITS.max_future
    assert article.published_at.utcoffset() == timedelta(0)
    # It travels: the record for the next stage serialises and reads back the same.
    record = Deduped(article=article, produced_at=NOW)
    assert Deduped.model_validate_json(record.model_dump_json()) == record


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_messages())
def test_validation_of_generated_messages_never_fails_otherwise(raw: bytes) -> None:
    check_article_invariants(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_validation_of_random_bytes_never_fails_otherwise(raw: bytes) -> None:
    check_article_invariants(raw)


@settings(max_examples=50, deadline=None)
@given(st.text(st.sampled_from("<>/p &;#x0script\n\u0000a"), min_size=1000, max_size=5000))
def test_cleaning_markup_shaped_garbage_terminates(text: str) -> None:
    cleaned = clean_text(text)
    assert "\u0000" not in cleaned
    assert len(cleaned) <= len(text)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=-3, max_value=3))
def test_the_size_limit_is_exact(offset: int) -> None:
    limits = Limits(max_message_bytes=2000)
    raw = message(body="x")
    raw = raw[:-1] + b" " * (2000 + offset - len(raw)) + b"}"
    assert len(raw) == 2000 + offset
    assert (reason_of(raw, limits) == "message_too_large") == (offset > 0)


def test_depth_limit_is_the_documented_one() -> None:
    def nested(depth: int) -> bytes:
        value: Any = 1
        for _ in range(depth - 2):  # the message itself and its "n" field count too
            value = [value]
        return message(n=value)

    assert reason_of(nested(MAX_DEPTH)) is None
    assert reason_of(nested(MAX_DEPTH + 1)) == "too_complex"


# -- the dedup stage -------------------------------------------------------------------


def new_stage(store: Store) -> DedupStage:
    stage = DedupStage(store, NearDuplicateIndex(), Fingerprinter())
    stage.load()
    return stage


BODIES = [
    "The river burst its banks on Tuesday and flooded the lower town overnight.",
    "Parliament passed the budget after a night of debate and three amendments.",
    "<p>The river burst its banks on Tuesday and flooded the lower town overnight.</p>",
    "",
    "\u0000",
]


@st.composite
def deliveries(draw: st.DrawFn) -> list[bytes]:
    """A stream where ids repeat, with the same content (a redelivery) or another
    (an id reused), mixed with garbage."""
    out = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(hostile_messages()))
            continue
        out.append(
            json.dumps(
                {
                    "id": f"id-{draw(st.integers(0, 5))}",
                    "source": draw(st.sampled_from(["a.example", "b.example"])),
                    "body": draw(st.sampled_from(BODIES)),
                    "published_at": "2025-07-03T10:00:00Z",
                }
            ).encode()
        )
    return out


@settings(max_examples=60, deadline=None)
@given(deliveries(), st.integers(1, 7))
def test_dedup_stage_accounts_for_every_message_and_replays_change_nothing(
    stream: list[bytes], batch_size: int
) -> None:
    store = Store("sqlite://")  # in memory, fresh for each example
    store.create_schema()
    stage = new_stage(store)
    first_content: dict[str, str] = {}  # id -> the content it was first accepted with
    decisions: dict[str, str | None] = {}
    for start in range(0, len(stream), batch_size):
        batch = stream[start : start + batch_size]
        plan = stage.plan([Incoming(raw, NOW) for raw in batch], NOW)
        stage.save(plan)
        # Every message has exactly one outcome.
        assert len(plan.forward) + len(plan.dead) == len(batch)
        dead_originals = [d.original_bytes() for d in plan.dead]
        for raw in batch:
            try:
                article = parse_article(raw, NOW)
            except InvalidArticle as exc:
                assert raw in dead_originals
                assert exc.reason in {d.reason for d in plan.dead}
                continue
            content = (article.source, article.title, article.body)
            known = first_content.setdefault(article.id, repr(content))
            if known != repr(content):
                assert any(
                    d.reason == "id_conflict" and d.original_bytes() == raw for d in plan.dead
                )
            else:
                assert any(f.article.id == article.id for f in plan.forward)
        for forwarded in plan.forward:
            decisions.setdefault(forwarded.article.id, forwarded.duplicate_of)
            # A redelivery carries the decision taken the first time.
            assert decisions[forwarded.article.id] == forwarded.duplicate_of

    # The whole stream again, through a stage rebuilt from the store: the same decisions,
    # and not one new row.
    rows_before = len(list(store.fingerprints_since(None)))
    replay = new_stage(store)
    plan = replay.plan([Incoming(raw, NOW) for raw in stream], NOW)
    replay.save(plan)
    assert plan.new_rows == []
    assert len(list(store.fingerprints_since(None))) == rows_before
    for forwarded in plan.forward:
        if forwarded.article.id in decisions:
            assert forwarded.duplicate_of == decisions[forwarded.article.id]
