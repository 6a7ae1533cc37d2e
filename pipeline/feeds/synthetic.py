"""A seeded generator of synthetic news: events, independent reports, and wire copies.

For fault-injection tests and soak runs, where what matters is volume, determinism and
a known answer, not prose. Every event has its own pseudo-words, so reports of one
event share vocabulary (even the hashing encoder groups them) while their sentences
differ (so they are not near-duplicates); a wire copy reuses an earlier report's body
with a new headline, an agency line or a cut, the edits real wire copies get.

The same seed always gives the same feed, byte for byte.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_CONSONANTS = "bcdfgklmnprstvz"
_VOWELS = "aeiou"
START = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FeedShape:
    """How the synthetic stream looks."""

    step: timedelta = timedelta(seconds=30)  # between two articles
    event_lifetime: timedelta = timedelta(hours=6)  # an event gets reports for this long
    new_event_share: float = 0.08  # of articles that open a new event
    copy_share: float = 0.25  # of articles that are wire copies of an earlier report
    sources: int = 40
    topic_words: int = 12  # pseudo-words of an event
    topic_share: float = 0.5  # of the words in a report that are its event's
    paragraphs: tuple[int, int] = (3, 6)
    # Running stories (a war, a campaign) that never close: a share of all articles goes
    # to one of `stories` of them, so some events stay live for the whole stream.
    story_share: float = 0.0
    stories: int = 3


@dataclass
class _Event:
    number: int
    words: list[str]
    opened: datetime
    reports: list[dict[str, Any]]


class SyntheticFeed:
    """`articles(n)` yields n article dicts (the input contract, plus `synthetic_event`
    and, for a copy, `wire_copy_of`: the known answer)."""

    def __init__(self, seed: int = 0, shape: FeedShape = FeedShape(), start: datetime = START):
        self.shape = shape
        self._random = random.Random(seed)
        self._seed = seed
        self._start = start
        self._filler = self._vocabulary(3000, syllables=(2, 3))
        self._events: list[_Event] = []
        self._stories: list[_Event] = []
        self._count = 0

    def articles(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            yield self._next()

    def lines(self, count: int) -> Iterator[bytes]:
        """The same articles as JSON messages, as producers write them."""
        for article in self.articles(count):
            yield json.dumps(article, ensure_ascii=False).encode()

    # -- internals -------------------------------------------------------------------

    def _next(self) -> dict[str, Any]:
        shape, rnd = self.shape, self._random
        published = self._start + self._count * shape.step
        self._count += 1
        live = [e for e in self._events if published - e.opened < shape.event_lifetime]
        self._events = live
        if shape.story_share and rnd.random() < shape.story_share:
            event = self._story(published)
        elif not live or rnd.random() < shape.new_event_share:
            event = _Event(self._count, self._topic_words(), published, [])
            self._events.append(event)
        else:
            event = rnd.choice(live)
        article_id = f"syn-{self._seed}-{self._count:07d}"
        source = f"outlet-{rnd.randrange(shape.sources):02d}.example"
        if event.reports and rnd.random() < shape.copy_share:
            original = rnd.choice(event.reports)
            article = self._copy(original, article_id, source)
        else:
            article = {
                "id": article_id,
                "source": source,
                "title": self._sentence(event, rnd.randint(5, 9)).rstrip("."),
                "body": self._body(event),
            }
            event.reports.append(article)
        article["published_at"] = published.isoformat().replace("+00:00", "Z")
        article["language"] = "xx"
        article["synthetic_event"] = f"event-{self._seed}-{event.number}"
        return article

    def _story(self, published: datetime) -> _Event:
        if len(self._stories) < self.shape.stories:
            self._stories.append(
                _Event(-len(self._stories) - 1, self._topic_words(), published, [])
            )
            return self._stories[-1]
        story = self._random.choice(self._stories)
        story.reports = story.reports[-50:]  # copies are of recent reports
        return story

    def _copy(self, original: dict[str, Any], article_id: str, source: str) -> dict[str, Any]:
        rnd = self._random
        paragraphs = original["body"].split("\n")
        edit = rnd.choice(("headline", "agency", "cut", "footer"))
        if edit == "agency":
            paragraphs[0] = f"PARIS (Agence) - {paragraphs[0]}"
        elif edit == "cut" and len(paragraphs) > 3:
            paragraphs = paragraphs[: max(3, len(paragraphs) - 2)]
        elif edit == "footer":
            paragraphs.append(f"Read more news from {source}.")
        title = original["title"] if edit != "headline" else f"Update: {original['title']}"
        return {
            "id": article_id,
            "source": source,
            "title": title,
            "body": "\n".join(paragraphs),
            "wire_copy_of": original["id"],
        }

    def _body(self, event: _Event) -> str:
        low, high = self.shape.paragraphs
        return "\n".join(
            " ".join(self._sentence(event, self._random.randint(12, 20)) for _ in range(3))
            for _ in range(self._random.randint(low, high))
        )

    def _sentence(self, event: _Event, length: int) -> str:
        rnd = self._random
        words = [
            rnd.choice(event.words)
            if rnd.random() < self.shape.topic_share
            else rnd.choice(self._filler)
            for _ in range(length)
        ]
        return " ".join(words).capitalize() + "."

    def _topic_words(self) -> list[str]:
        return self._vocabulary(self.shape.topic_words, syllables=(4, 4))

    def _vocabulary(self, size: int, syllables: tuple[int, int]) -> list[str]:
        rnd = self._random
        words: set[str] = set()
        while len(words) < size:
            count = rnd.randint(*syllables)
            words.add("".join(rnd.choice(_CONSONANTS) + rnd.choice(_VOWELS) for _ in range(count)))
        return sorted(words)
