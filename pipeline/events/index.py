"""The live event index: which open event is this article about, if any?

Online, one pass, bounded state: each unique article is compared with the events still
inside the live window and joins the best one whose score reaches the threshold, or
opens a new event. The score of an article for an event blends three kinds of evidence:

    score = (1 - lexical_weight) * cosine(embedding, event centroid)
            + lexical_weight * TF-IDF cosine(words, event's words)
            - time_weight * (1 - exp(-|published_at - event's mean time| / time_scale))

Sentence embeddings tell what kind of happening a story is about, but two earthquakes or
two celebrity rehab stories look alike to them. The words (names, places, numbers),
weighted by how rare they are in the live stream, tell which one; and a story is far
more likely to belong to an event whose coverage is happening now than to one from
days before. The word score is computed for the few best events by embedding and time
only, which keeps the cost per article bounded.

State is per live event: the embedding sum, the word-vector sum, how many of its
articles hold each word, the sum of publication times. All of it is rebuilt exactly by
`restore` from the stored articles (title, body, embedding, published_at).
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from pipeline.events.lexical import DocumentFrequencies, TermVector, WeightedQuery, term_vector
from pipeline.settings import Settings


@dataclass(frozen=True)
class ClusterConfig:
    """How an article is scored against a live event; `from_settings` reads the events section."""

    # Defaults measured on ecbplus_dev.jsonl with `wirewatch eval --sweep` (README, Accuracy).
    threshold: float = 0.35
    lexical_weight: float = 0.3  # share of the score from word overlap; 0: embeddings only
    time_weight: float = 0.5  # the most a time gap takes off the score; 0: no time decay
    time_scale_h: float = 24.0  # a gap this long takes 63% of time_weight
    candidates: int = 8  # events, best by embedding and time, whose words are compared

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterConfig:
        return cls(
            threshold=settings.event_threshold,
            lexical_weight=settings.event_lexical_weight,
            time_weight=settings.event_time_weight,
            time_scale_h=settings.event_time_scale_h,
            candidates=settings.event_candidates,
        )


@dataclass(frozen=True)
class ClusterItem:
    """What the index needs to know of a unique article."""

    article_id: str
    embedding: np.ndarray  # L2-normalised
    published_at: datetime
    title: str | None = None
    body: str = ""


@dataclass(frozen=True)
class Assignment:
    event_id: str
    created: bool
    similarity: float | None  # score for the event joined; None when the article opened it


@dataclass
class _LiveEvent:
    event_id: str
    row: int  # of the index's matrices
    vector_sum: np.ndarray
    last_seen: datetime
    size: int = 0
    time_sum: float = 0.0  # of POSIX timestamps, for the mean time
    terms: TermVector = field(default_factory=dict)  # sum of the members' word vectors
    term_documents: Counter[str] = field(default_factory=Counter)

    @property
    def mean_time(self) -> float:
        return self.time_sum / self.size

    def add(self, item: ClusterItem, words: TermVector, first: bool = False) -> None:
        if not first:
            self.vector_sum = self.vector_sum + item.embedding
        self.size += 1
        self.time_sum += item.published_at.timestamp()
        self.last_seen = max(self.last_seen, item.published_at)
        for term, weight in words.items():
            self.terms[term] = self.terms.get(term, 0.0) + weight
        self.term_documents.update(words.keys())


class _Rows:
    """The live events' centroids and mean times, one row each, in contiguous arrays:
    scoring an article against every live event is then one matrix product, with no
    per-article copying. Rows of evicted events are reused."""

    def __init__(self) -> None:
        self.centroids = np.zeros((0, 0), dtype=np.float32)
        self.mean_times = np.zeros(0)
        self.live = np.zeros(0, dtype=bool)
        self.event_ids: list[str | None] = []
        self._free: list[int] = []

    def take(self, event_id: str, dim: int) -> int:
        if not self._free:
            self._grow(dim)
        row = self._free.pop()
        self.event_ids[row] = event_id
        self.live[row] = True
        return row

    def release(self, row: int) -> None:
        self.event_ids[row] = None
        self.live[row] = False
        self._free.append(row)

    def set(self, event: _LiveEvent) -> None:
        self.centroids[event.row] = _unit(event.vector_sum)
        self.mean_times[event.row] = event.mean_time

    def _grow(self, dim: int) -> None:
        old = len(self.live)
        size = max(64, 2 * old)
        centroids = np.zeros((size, dim), dtype=np.float32)
        if old:
            centroids[:old] = self.centroids
        self.centroids = centroids
        self.mean_times = np.resize(self.mean_times, size)
        self.live = np.concatenate([self.live, np.zeros(size - old, dtype=bool)])
        self.event_ids.extend([None] * (size - old))
        self._free.extend(range(size - 1, old - 1, -1))  # lowest rows first


def event_id_for(article_id: str) -> str:
    """Events are named after the article that opened them, so a replay names them again."""
    return "ev-" + hashlib.sha1(article_id.encode()).hexdigest()[:16]


class EventIndex:
    """The live events, for matching: one centroid, mean time and word vector per event
    in contiguous arrays, and the document frequencies of the live articles. Decides for
    each unique article the event it joins, or that it opens one.
    """

    def __init__(self, config: ClusterConfig = ClusterConfig()) -> None:
        self.config = config
        self._events: dict[str, _LiveEvent] = {}
        self._rows = _Rows()
        self._expiry: list[tuple[datetime, str]] = []  # (last_seen, event_id), lazily updated
        self._df = DocumentFrequencies()

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._events

    def assign(self, item: ClusterItem) -> Assignment:
        words = term_vector(item.title, item.body) if self.config.lexical_weight else {}
        best_id, best_score = self._best(item, words)
        if best_id is not None and best_score >= self.config.threshold:
            self._join(best_id, item, words)
            return Assignment(best_id, created=False, similarity=round(best_score, 4))
        event_id = event_id_for(item.article_id)
        self._open(event_id, item, words)
        return Assignment(event_id, created=True, similarity=None)

    def restore(self, event_id: str, item: ClusterItem) -> None:
        """Put back a stored member of an event (on start, from the store)."""
        words = term_vector(item.title, item.body) if self.config.lexical_weight else {}
        if event_id in self._events:
            self._join(event_id, item, words)
        else:
            self._open(event_id, item, words)

    def drop(self, event_id: str) -> None:
        """Take an event out, its word statistics with it (an editor's correction then
        `restore`s the members it has now: the merged evidence of two events, or one
        without the articles that left)."""
        event = self._events.pop(event_id, None)
        if event is not None:
            self._rows.release(event.row)
            self._df.remove(event.term_documents, event.size)

    def evict_before(self, cutoff: datetime) -> list[str]:
        """Drop the events not seen since the cutoff; returns their ids."""
        evicted = []
        while self._expiry and self._expiry[0][0] < cutoff:
            last_seen, event_id = heapq.heappop(self._expiry)
            event = self._events.get(event_id)
            if event is None:
                continue
            if event.last_seen > last_seen:  # seen again since: re-queue at its new time
                heapq.heappush(self._expiry, (event.last_seen, event_id))
                continue
            del self._events[event_id]
            self._rows.release(event.row)
            self._df.remove(event.term_documents, event.size)
            evicted.append(event_id)
        return evicted

    def _best(self, item: ClusterItem, words: TermVector) -> tuple[str | None, float]:
        if not self._events:
            return None, -math.inf
        config = self.config
        rows = self._rows
        scores = (1.0 - config.lexical_weight) * (rows.centroids @ item.embedding)
        if config.time_weight:
            gaps_h = np.abs(item.published_at.timestamp() - rows.mean_times) / 3600.0
            scores -= config.time_weight * (1.0 - np.exp(-gaps_h / config.time_scale_h))
        scores[~rows.live] = -math.inf
        if not (config.lexical_weight and words):
            best = int(np.argmax(scores))
            return rows.event_ids[best], float(scores[best])
        # Word overlap adds at most lexical_weight: compare words only with the few best
        # events so far, and stop as soon as none of the rest could still win.
        best_id, best_score = None, -math.inf
        query = WeightedQuery(words, self._df)
        count = min(config.candidates, len(scores))
        top = np.argpartition(-scores, count - 1)[:count]
        for n in top[np.argsort(-scores[top])]:
            ceiling = float(scores[n]) + config.lexical_weight
            if ceiling < config.threshold or ceiling <= best_score:
                break
            event_id = rows.event_ids[n]
            if event_id is None:  # a free row (scored -inf): no live event is left
                break
            score = float(scores[n]) + config.lexical_weight * query.cosine(
                self._events[event_id].terms
            )
            if score > best_score:
                best_id, best_score = event_id, score
        return best_id, best_score

    def _open(self, event_id: str, item: ClusterItem, words: TermVector) -> None:
        vector = item.embedding.astype(np.float32).copy()
        event = _LiveEvent(
            event_id, self._rows.take(event_id, len(vector)), vector, item.published_at
        )
        event.add(item, words, first=True)
        self._rows.set(event)
        self._events[event_id] = event
        self._df.add(words.keys())
        heapq.heappush(self._expiry, (item.published_at, event_id))

    def _join(self, event_id: str, item: ClusterItem, words: TermVector) -> None:
        event = self._events[event_id]
        event.add(item, words)
        self._rows.set(event)
        self._df.add(words.keys())


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
