"""Event aggregates: counts, sources, headline, the kind of each change, and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.events.tracker import EventState, headline_from, record
from schemas.article import Article

T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)


def _article(
    id: str,
    source: str,
    minutes: int = 0,
    title: str | None = None,
    body: str = "Le Kremlin a parlé. Suite du texte.",
) -> Article:
    t = T0 + timedelta(minutes=minutes)
    return Article(id=id, source=source, body=body, title=title, published_at=t, received_at=t)


def _add(state: EventState, article: Article, **kw: object):
    kw.setdefault("created", False)
    kw.setdefault("duplicate_of", None)
    kw.setdefault("similarity", None)
    return record(state, article, produced_at=T0, now=T0, **kw)  # type: ignore[arg-type]


def test_headline_is_the_title_or_the_first_sentence() -> None:
    assert headline_from(_article("a", "s", title="Big news")) == ("Big news", True)
    assert headline_from(_article("a", "s")) == ("Le Kremlin a parlé.", False)


def test_changes_and_alerts_through_an_events_life() -> None:
    first = _article("a", "afp")
    state = EventState.open("ev-1", first)
    created = _add(state, first, created=True)
    assert created.update.kind == "created"
    assert created.update.article.lead == "Le Kremlin a parlé."  # stands in for no title
    assert [a.kind for a in created.alerts] == ["new_event"]

    same_source = _add(state, _article("b", "afp", 5, title="Titre"))
    assert same_source.update.kind == "article_added" and not same_source.alerts
    assert same_source.update.article.lead is None
    assert state.headline == "Titre"  # a real title replaces a first sentence

    copy = _add(state, _article("c", "lemonde", 10), duplicate_of="a", similarity=0.9)
    assert copy.update.kind == "source_joined"
    assert [(a.kind, a.source) for a in copy.alerts] == [("source_joined", "lemonde")]
    assert copy.alerts[0].alert_id == "ev-1:source_joined:lemonde"

    copy_again = _add(state, _article("d", "lemonde", 11), duplicate_of="a", similarity=0.9)
    assert copy_again.update.kind == "duplicate_added" and not copy_again.alerts

    last = copy_again.update
    assert (last.article_count, last.duplicate_count, last.source_count) == (4, 2, 2)
    assert [s.source for s in last.sources] == ["afp", "lemonde"]
    assert last.update_id == "ev-1:d"


def test_an_earlier_article_arriving_late_becomes_the_canonical_one() -> None:
    late = _article("late", "x", 30)
    state = EventState.open("ev-1", late)
    _add(state, late, created=True)
    _add(state, _article("early", "y", 0, title="Le premier"))
    assert state.canonical_article_id == "early"
    assert state.first_seen == T0
    assert state.headline == "Le premier"
