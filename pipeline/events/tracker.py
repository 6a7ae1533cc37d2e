"""Event aggregates and the changes they go through: counts, sources, headline.

Each article added to an event gives one EventUpdate; a new event and each new source
on an event also give an Alert. Ids of both are derived from what caused them, so a
replayed article yields the same ids and the store and consumers can drop the repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.text import HEADLINE_CHARS, first_sentence
from schemas.article import Article
from schemas.messages import (
    Alert,
    AlertKind,
    ArticleRef,
    CorrectionRef,
    EventUpdate,
    SourceSeen,
    UpdateKind,
)


def headline_from(article: Article) -> tuple[str, bool]:
    """The article's title, or its first sentence; and whether it was a real title."""
    if article.title:
        return article.title[:HEADLINE_CHARS], True
    return first_sentence(article.body), False


@dataclass
class EventState:
    event_id: str
    headline: str
    headline_is_title: bool
    canonical_article_id: str
    first_seen: datetime
    last_seen: datetime
    article_count: int = 0
    duplicate_count: int = 0
    sources: dict[str, SourceSeen] = field(default_factory=dict)
    # An editor's choice of headline: the event keeps it, whatever arrives, until unpinned.
    pinned_article_id: str | None = None

    @classmethod
    def open(cls, event_id: str, article: Article) -> EventState:
        headline, is_title = headline_from(article)
        return cls(
            event_id=event_id,
            headline=headline,
            headline_is_title=is_title,
            canonical_article_id=article.id,
            first_seen=article.published_at,
            last_seen=article.published_at,
        )

    @classmethod
    def rebuild(
        cls, event_id: str, members: list[tuple[Article, bool]], pinned: Article | None
    ) -> EventState:
        """The event's aggregate from its members (article, is a copy), as if they had
        come in order of publication, under the pinned headline if any: what a correction
        leaves (and writes, so that a restart reads the same back)."""
        ordered = sorted(members, key=lambda m: (m[0].published_at, m[0].id))
        originals = [article for article, duplicate in ordered if not duplicate]
        state = cls.open(event_id, originals[0] if originals else ordered[0][0])
        for article, duplicate in ordered:
            state.add(article, duplicate=duplicate)
        state.pin(pinned)
        return state

    def pin(self, article: Article | None) -> None:
        """Show the event under this article, whatever arrives later; None: no pin."""
        self.pinned_article_id = article.id if article else None
        if article is not None:
            self.canonical_article_id = article.id
            self.headline, self.headline_is_title = headline_from(article)

    def add(self, article: Article, *, duplicate: bool) -> bool:
        """Count the article in; True when its source is new to the event."""
        self.article_count += 1
        self.duplicate_count += int(duplicate)
        if self.pinned_article_id is not None:
            pass  # an editor chose the headline
        elif not duplicate and article.published_at < self.first_seen:
            # Stages may run partitions in parallel, so an earlier article can arrive later:
            # the event's canonical article is the first published, not the first processed.
            self.canonical_article_id = article.id
            if article.title or not self.headline_is_title:
                self.headline, self.headline_is_title = headline_from(article)
        elif not self.headline_is_title and article.title and not duplicate:
            self.headline, self.headline_is_title = headline_from(article)
        self.first_seen = min(self.first_seen, article.published_at)
        self.last_seen = max(self.last_seen, article.published_at)
        if article.source in self.sources:
            return False
        # From a validated article: validating the three fields again cost 2 % of the stage.
        self.sources[article.source] = SourceSeen.model_construct(
            source=article.source, first_seen=article.published_at, article_id=article.id
        )
        return True


@dataclass(frozen=True)
class Change:
    update: EventUpdate
    alerts: list[Alert]


def record(
    state: EventState,
    article: Article,
    *,
    created: bool,
    duplicate_of: str | None,
    similarity: float | None,
    produced_at: datetime,
    now: datetime,
    reopened: bool = False,
) -> Change:
    """Add the article to the event's state and describe the change (`reopened`: the
    article brought back an event that had closed)."""
    new_source = state.add(article, duplicate=duplicate_of is not None)
    kind: UpdateKind
    if created:
        kind = "created"
    elif reopened:
        kind = "reopened"
    elif new_source:
        kind = "source_joined"
    elif duplicate_of is not None:
        kind = "duplicate_added"
    else:
        kind = "article_added"
    sources = sorted_sources(state)
    update = describe(
        state,
        kind,
        f"{state.event_id}:{article.id}",
        article_ref(article, duplicate_of, similarity),
        produced_at=produced_at,
        now=now,
    )
    alerts = []
    if created or new_source:
        alerts.append(
            make_alert(
                "new_event" if created else "source_joined",
                state.event_id,
                state.headline,
                article.source,
                article.id,
                article.language,
                [s.source for s in sources],
                now,
            )
        )
    return Change(update, alerts)


def make_alert(
    kind: AlertKind,
    event_id: str,
    headline: str,
    source: str,
    article_id: str,
    language: str | None,
    sources: list[str],
    created_at: datetime,
    correction_id: str | None = None,
) -> Alert:
    """An alert, with its stable id: one per event for `new_event`, one per event and
    source for `source_joined` (and per correction, for a source a merge brought)."""
    alert_id = f"{event_id}:{kind}" + ("" if kind == "new_event" else f":{source}")
    if correction_id is not None:
        alert_id += f":{correction_id}"
    return Alert(
        alert_id=alert_id,
        kind=kind,
        event_id=event_id,
        headline=headline,
        source=source,
        article_id=article_id,
        language=language,
        source_count=len(sources),
        sources=sources,
        created_at=created_at,
        correction_id=correction_id,
    )


def sorted_sources(state: EventState) -> list[SourceSeen]:
    return sorted(state.sources.values(), key=lambda s: (s.first_seen, s.source))


def article_ref(article: Article, duplicate_of: str | None, similarity: float | None) -> ArticleRef:
    return ArticleRef(
        id=article.id,
        source=article.source,
        title=article.title,
        lead=None if article.title else first_sentence(article.body),
        url=article.url,
        language=article.language,
        published_at=article.published_at,
        duplicate_of=duplicate_of,
        similarity=similarity,
    )


def describe(
    state: EventState,
    kind: UpdateKind,
    update_id: str,
    article: ArticleRef,
    *,
    produced_at: datetime,
    now: datetime,
    correction: CorrectionRef | None = None,
    members: list[ArticleRef] | None = None,
) -> EventUpdate:
    """The event as it is now, as an update of this kind caused by this article."""
    return EventUpdate(
        update_id=update_id,
        event_id=state.event_id,
        kind=kind,
        headline=state.headline,
        canonical_article_id=state.canonical_article_id,
        article_count=state.article_count,
        duplicate_count=state.duplicate_count,
        source_count=len(state.sources),
        sources=sorted_sources(state),
        first_seen=state.first_seen,
        last_seen=state.last_seen,
        article=article,
        produced_at=produced_at,
        emitted_at=now,
        pinned_article_id=state.pinned_article_id,
        correction=correction,
        members=members,
    )
