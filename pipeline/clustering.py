"""The live event index: which open event is this article about, if any?

Online, one pass: each unique article is compared with the events still inside the live
window and joins the most similar one above the threshold, or opens a new event.
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class ClusterConfig:
    threshold: float = 0.55


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
    similarity: float | None  # to the event joined; None when the article opened it


@dataclass
class _LiveEvent:
    event_id: str
    vector_sum: np.ndarray
    size: int
    last_seen: datetime
    centroid: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.centroid = _unit(self.vector_sum)

    def add(self, embedding: np.ndarray, published_at: datetime) -> None:
        self.vector_sum = self.vector_sum + embedding
        self.size += 1
        self.centroid = _unit(self.vector_sum)
        self.last_seen = max(self.last_seen, published_at)


def event_id_for(article_id: str) -> str:
    """Events are named after the article that opened them, so a replay names them again."""
    return "ev-" + hashlib.sha1(article_id.encode()).hexdigest()[:16]


class EventIndex:
    def __init__(self, config: ClusterConfig = ClusterConfig()) -> None:
        self.config = config
        self._events: dict[str, _LiveEvent] = {}
        self._expiry: list[tuple[datetime, str]] = []  # (last_seen, event_id), lazily updated

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._events

    def assign(self, item: ClusterItem) -> Assignment:
        best_id, best_score = self._nearest(item)
        if best_id is not None and best_score >= self.config.threshold:
            self._join(best_id, item)
            return Assignment(best_id, created=False, similarity=round(best_score, 4))
        event_id = event_id_for(item.article_id)
        self._open(event_id, item)
        return Assignment(event_id, created=True, similarity=None)

    def restore(self, event_id: str, item: ClusterItem) -> None:
        """Put back a stored member of an event (on start, from the store)."""
        if event_id in self._events:
            self._join(event_id, item)
        else:
            self._open(event_id, item)

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
            evicted.append(event_id)
        return evicted

    def _nearest(self, item: ClusterItem) -> tuple[str | None, float]:
        if not self._events:
            return None, -1.0
        ids = list(self._events)
        centroids = np.stack([self._events[i].centroid for i in ids])
        scores = centroids @ item.embedding
        best = int(np.argmax(scores))
        return ids[best], float(scores[best])

    def _open(self, event_id: str, item: ClusterItem) -> None:
        self._events[event_id] = _LiveEvent(
            event_id, item.embedding.astype(np.float32).copy(), 1, item.published_at
        )
        heapq.heappush(self._expiry, (item.published_at, event_id))

    def _join(self, event_id: str, item: ClusterItem) -> None:
        self._events[event_id].add(item.embedding, item.published_at)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
