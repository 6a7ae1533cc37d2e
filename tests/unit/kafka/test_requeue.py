"""Which dead letters can go back, where to, keyed how; and why the others stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.kafka.requeue import Requeue, letter_key, requeue_of
from schemas.messages import DeadLetter

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TOPICS = {"articles", "deduped", "embedded", "corrections"}


def letter(raw: bytes, reason: str = "invalid_fields", topic: str = "articles") -> DeadLetter:
    return DeadLetter.of(raw, reason, "why", topic=topic, received_at=NOW)


def test_an_input_article_goes_back_to_its_topic_whole_and_keyed_by_its_id() -> None:
    raw = json.dumps({"id": "a-1", "source": "s", "body": "x" * 300}).encode()
    assert requeue_of(letter(raw, "body_too_large"), TOPICS) == Requeue("articles", b"a-1", raw)


def test_a_message_over_a_limit_since_raised_goes_back_when_it_was_kept_whole() -> None:
    raw = json.dumps({"id": "a-2", "source": "s", "body": "x" * 3000}).encode()
    assert requeue_of(letter(raw, "message_too_large"), TOPICS) == Requeue("articles", b"a-2", raw)


def test_a_line_that_is_not_json_goes_back_unkeyed() -> None:
    sent = requeue_of(letter(b"{not json", "not_json"), TOPICS)
    assert sent == Requeue("articles", None, b"{not json")


def test_a_record_past_the_dedup_stage_is_keyed_by_its_original_so_a_copy_follows_it() -> None:
    copy = json.dumps({"article": {"id": "c-2"}, "duplicate_of": "a-1"}).encode()
    unique = json.dumps({"article": {"id": "a-1"}, "duplicate_of": None}).encode()
    assert requeue_of(letter(copy, "processing_error", "embedded"), TOPICS) == Requeue(
        "embedded", b"a-1", copy
    )
    assert requeue_of(letter(unique, "processing_error", "deduped"), TOPICS) == Requeue(
        "deduped", b"a-1", unique
    )
    assert letter(copy, "processing_error", "embedded").article_id() == "c-2"


@pytest.mark.parametrize(
    ("dead", "why"),
    [
        (letter(b"x" * (DeadLetter.MAX_ORIGINAL + 10), "message_too_large"), "were kept"),
        (letter(b'{"correction_id": "k"}', "correction_rejected", "corrections"), "anew"),
        (None, "not a dead letter"),
        (letter(b'{"id": "a"}', "invalid_fields", "articles-2019"), "does not read"),
    ],
)
def test_what_cannot_go_back_as_it_is_says_why(dead: DeadLetter | None, why: str) -> None:
    kept = requeue_of(dead, TOPICS)
    assert isinstance(kept, str) and why in kept


def test_a_dead_letter_sent_back_before_stays_and_says_when() -> None:
    raw = json.dumps({"id": "a-3", "source": "s", "body": "x"}).encode()
    kept = requeue_of(letter(raw), TOPICS, sent_back=("articles", NOW))
    assert kept == (
        "sent back to articles already, 2026-01-01 00:00:00Z (--again sends it once more)"
    )
    assert requeue_of(letter(raw), TOPICS, sent_back=None) == Requeue("articles", b"a-3", raw)


def test_each_dead_letter_has_its_own_key_even_for_the_same_original() -> None:
    raw = json.dumps({"id": "a-4", "source": "s", "body": "x"}).encode()
    once = letter(raw).model_dump_json().encode()
    again = DeadLetter.of(raw, "invalid_fields", "why", topic="articles",
                          received_at=NOW.replace(minute=1)).model_dump_json().encode()  # fmt: skip
    assert letter_key(once) != letter_key(again)
