"""The language on the newsroom's side: the webhook filter, the board's language chips."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.errors import ConfigurationError
from pipeline.newsroom.alerting import AlertRules
from pipeline.newsroom.board import Board
from pipeline.settings import Settings
from schemas.messages import Alert, ArticleRef, EventUpdate, SourceSeen

T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)


def _alert(language: str | None) -> Alert:
    return Alert(
        alert_id=f"e:source_joined:{language}",
        kind="source_joined",
        event_id="e",
        headline="Putin and Trump speak",
        source=f"wire-{language}",
        article_id=f"a-{language}",
        language=language,
        source_count=2,
        sources=["a", "b"],
        created_at=T0,
    )


def test_webhook_languages_let_only_those_through() -> None:
    rules = AlertRules.from_settings(Settings(webhook_languages="FR, de-DE"))
    assert rules.languages == {"fr", "de"}
    assert rules.decide(_alert("fr")).send
    assert rules.decide(_alert("de")).send
    assert rules.decide(_alert("en")).reason == "language_filter"
    assert rules.decide(_alert(None)).reason == "language_filter"
    assert AlertRules.from_settings(Settings()).decide(_alert(None)).send  # no filter


def test_an_unknown_language_code_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="not a language code"):
        AlertRules.from_settings(Settings(webhook_languages="fr,klingonish"))


def _update(article_id: str, language: str | None, count: int) -> EventUpdate:
    return EventUpdate(
        update_id=f"e:{article_id}",
        event_id="e",
        kind="created" if count == 1 else "article_added",
        headline="Putin and Trump speak",
        canonical_article_id="fr-1",
        article_count=count,
        duplicate_count=0,
        source_count=1,
        sources=[SourceSeen(source="s", first_seen=T0, article_id="fr-1")],
        first_seen=T0,
        last_seen=T0,
        article=ArticleRef(
            id=article_id,
            source="s",
            title="t",
            url=None,
            language=language,
            published_at=T0,
            duplicate_of=None,
            similarity=None,
        ),
        produced_at=T0,
        emitted_at=T0,
    )


def test_the_board_lists_an_events_languages_most_articles_first() -> None:
    board = Board()
    for n, (article_id, language) in enumerate(
        [("fr-1", "fr"), ("en-1", "en"), ("fr-2", "fr"), ("de-1", "de"), ("x", None)], 1
    ):
        board.apply(_update(article_id, language, n))
    view = board.snapshot()[0]
    assert view["languages"] == [
        {"language": "fr", "articles": 2},
        {"language": "de", "articles": 1},
        {"language": "en", "articles": 1},
    ]
    assert {s["id"]: s["language"] for s in view["stories"]}["de-1"] == "de"
