"""The dashboard's picture of the live events, built from event updates alone.

Two sources feed it the same records: on start, the store's outbox (`event_updates`,
replayed in write order), then the `event-updates` topic. Update ids are stable, so an
update seen twice (in the store and on the topic, or redelivered) changes nothing. Each
update of an event carries one more article than the one before, so its article count
orders them: an older update never overwrites a newer headline or source list.

An editor's correction is the exception: its update carries the event's whole article
list (`members`), which replaces the view's, and its counts, even lower ones. An event it
leaves with no articles (merged into another, or emptied by a move) leaves the board.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.store.order import order_key
from pipeline.text import safe_url
from schemas.messages import ArticleRef, EventUpdate, SourceSeen


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class TimelineEntry:
    update_id: str
    kind: str
    at: datetime
    article: ArticleRef
    article_count: int
    source_count: int

    def as_json(self) -> dict[str, Any]:
        return {
            "update_id": self.update_id,
            "kind": self.kind,
            "at": iso(self.at),
            "article_id": self.article.id,
            "source": self.article.source,
            "title": self.article.title,
            "lead": self.article.lead,
            "published_at": iso(self.article.published_at),
            "duplicate_of": self.article.duplicate_of,
            "article_count": self.article_count,
            "source_count": self.source_count,
        }


@dataclass
class EventView:
    event_id: str
    version: int = -1  # article count of the newest update applied
    headline: str = ""
    canonical_article_id: str = ""
    pinned_article_id: str | None = None
    article_count: int = 0
    duplicate_count: int = 0
    sources: list[SourceSeen] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_activity: datetime | None = None
    articles: dict[str, ArticleRef] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    update_ids: set[str] = field(default_factory=set)

    def apply(self, update: EventUpdate, max_timeline: int) -> bool:
        """Take the update in; False when it was already here."""
        if update.update_id in self.update_ids:
            return False
        self.update_ids.add(update.update_id)
        if update.members is not None:  # a correction: the event as it is now
            self.articles = {a.id: a for a in update.members}
            self.version = -1
        if update.article_count > self.version:
            self.version = update.article_count
            self.pinned_article_id = update.pinned_article_id
            self.headline = update.headline
            self.canonical_article_id = update.canonical_article_id
            self.article_count = update.article_count
            self.duplicate_count = update.duplicate_count
            self.sources = list(update.sources)
            self.first_seen = update.first_seen
            self.last_seen = update.last_seen
        if update.members is None:
            self.articles.setdefault(update.article.id, update.article)
        if self.last_activity is None or update.emitted_at > self.last_activity:
            self.last_activity = update.emitted_at
        self.timeline.append(
            TimelineEntry(
                update.update_id,
                update.kind,
                update.emitted_at,
                update.article,
                update.article_count,
                update.source_count,
            )
        )
        self.timeline.sort(key=lambda e: (e.at, e.article_count))
        del self.timeline[:-max_timeline]
        return True

    def stories(self) -> list[dict[str, Any]]:
        """The originals, oldest first, each with its near-duplicate copies folded under it."""
        copies: dict[str, list[ArticleRef]] = {}
        originals = []
        for article in sorted(self.articles.values(), key=lambda a: (a.published_at, a.id)):
            if article.duplicate_of and article.duplicate_of in self.articles:
                copies.setdefault(article.duplicate_of, []).append(article)
            else:
                originals.append(article)
        return [
            {**_article_json(a), "copies": [_article_json(c) for c in copies.get(a.id, [])]}
            for a in originals
        ]

    def order_key(self) -> str:
        return order_key(self.last_activity, self.first_seen, self.event_id)

    def languages(self) -> list[dict[str, Any]]:
        """The event's languages, most articles first: [{"language": "fr", "articles": 5}]."""
        counts: dict[str, int] = {}
        for article in self.articles.values():
            if article.language:
                counts[article.language] = counts.get(article.language, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [{"language": code, "articles": n} for code, n in ranked]

    def as_json(self) -> dict[str, Any]:
        first_source = min(self.sources, key=lambda s: (s.first_seen, s.source), default=None)
        return {
            "event_id": self.event_id,
            "order_key": self.order_key(),
            "headline": self.headline,
            "canonical_article_id": self.canonical_article_id,
            "pinned_article_id": self.pinned_article_id,
            "article_count": self.article_count,
            "duplicate_count": self.duplicate_count,
            "source_count": len(self.sources),
            "first_seen": iso(self.first_seen) if self.first_seen else None,
            "last_seen": iso(self.last_seen) if self.last_seen else None,
            "last_activity": iso(self.last_activity) if self.last_activity else None,
            "sources": [
                {
                    "source": s.source,
                    "first_seen": iso(s.first_seen),
                    "article_id": s.article_id,
                    "first": s is first_source,
                }
                for s in sorted(self.sources, key=lambda s: (s.first_seen, s.source))
            ],
            "languages": self.languages(),
            "stories": self.stories(),
            "timeline": [e.as_json() for e in reversed(self.timeline)],  # newest first
        }


def _article_json(article: ArticleRef) -> dict[str, Any]:
    return {
        "id": article.id,
        "source": article.source,
        "title": article.title,
        "lead": article.lead,
        # Only http(s) is a link: a store written before validation dropped the others
        # may still hold javascript: or data: URLs.
        "url": safe_url(article.url) if article.url else None,
        "language": article.language,
        "published_at": iso(article.published_at),
        "duplicate_of": article.duplicate_of,
        "similarity": article.similarity,
    }


class Board:
    """The most recently active events, at most `max_events` of them."""

    def __init__(self, max_events: int = 200, max_timeline: int = 200) -> None:
        self.max_events = max_events
        self.max_timeline = max_timeline
        self._events: dict[str, EventView] = {}

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._events

    def get(self, event_id: str) -> EventView | None:
        return self._events.get(event_id)

    def needs_history(self, update: EventUpdate) -> bool:
        """True for an update of an event this board does not hold (dropped as inactive,
        or never loaded): its earlier updates must come from the store first."""
        return update.event_id not in self._events and update.kind != "created"

    def apply(self, update: EventUpdate) -> EventView | None:
        """Take one update in; the event's view when it changed, None for a repeat."""
        changed = self.apply_all([update])
        return self._events.get(update.event_id) if changed else None

    def apply_all(self, updates: Iterable[EventUpdate]) -> set[str]:
        """Take updates in, then drop the least active events if the board is over full
        (only then: an event's history must not be dropped before its newest update).
        Returns the ids of the events that changed and are still on the board."""
        changed = set()
        for update in updates:
            view = self._events.get(update.event_id)
            if view is None:
                view = self._events[update.event_id] = EventView(update.event_id)
            if view.apply(update, self.max_timeline):
                changed.add(update.event_id)
            if view.article_count == 0 and update.members is not None:
                del self._events[update.event_id]  # merged or emptied by a correction: gone
        self._drop_inactive()
        return {event_id for event_id in changed if event_id in self._events}

    def events(self) -> list[EventView]:
        """In the one event order (`pipeline.store.order`): most recent activity first."""
        return sorted(self._events.values(), key=EventView.order_key)

    def snapshot(self) -> list[dict[str, Any]]:
        return [view.as_json() for view in self.events()]

    def _drop_inactive(self) -> None:
        if len(self._events) <= self.max_events:
            return
        for view in self.events()[self.max_events :]:
            del self._events[view.event_id]
