"""The live index of parts: which part of an event is this article about, if any?

A part is a tight group of reports of the very same thing; an event is one or more
parts, put together by pipeline/events/grouping.py (with a model of version 1, each part
is an event of its own). Below, "event" means the part the index holds.

Online, one pass, bounded state: each unique article is compared with the events of the
live window (and the recently closed ones) and joins the best one whose score reaches
the threshold, or opens a new event. The score of an article for an event is a learned
probability (pipeline/events/model.py) over features that say what the articles say:

- embedding cosine to the event's centroid, and to its closest sampled member (its
  first article and its most recent ones): a centroid drifting with a growing event no
  longer decides alone, so an event cannot grow into a catch-all;
- TF-IDF overlap of the words, of the mentions (names, places, numbers, dates:
  pipeline/mentions.py) and of the headlines, each weighted by how rare its
  terms are in the live stream: two earthquakes look alike to embeddings, not by name;
- the time from the event's coverage (zero inside it, capped): a soft prior, weighed
  by the model against the rest, never a wall;
- the event's size.

Candidates are the `candidates` events nearest by embedding; their features are then
measured and scored. An event with no article for the live window closes; for
`reopen_lookback_h` more it can still be reopened by an article that clearly belongs
to it (score at least the model's `reopen_threshold`), after which it is dropped.

State is per event: the embedding sum, a few member embeddings, the word, mention and
headline vector sums, how many of its articles hold each term, its time span. All of it
is rebuilt exactly by `restore` from the stored articles. `part_features` measures the
same evidence between two parts, for the grouping.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np

from pipeline.events.lexical import (
    ArrayQuery,
    ArticleQuery,
    DocumentFrequencies,
    IdfWeights,
    TermVector,
    TextArrays,
    load_compiled,
    pair_products,
    summed,
    term_vector,
    weighted,
)
from pipeline.events.model import FEATURES, PART_FEATURES, MatchModel, bundled_for
from pipeline.mentions import is_day
from pipeline.mentions import mentions as find_mentions
from pipeline.settings import Settings
from pipeline.text import first_sentence

log = logging.getLogger(__name__)
_F = {name: n for n, name in enumerate(FEATURES)}
_P = {name: n for n, name in enumerate(PART_FEATURES)}


@dataclass(frozen=True)
class ClusterConfig:
    """How an article is scored against an event; `from_settings` reads the events section."""

    model: MatchModel = field(default_factory=MatchModel.load)
    threshold: float | None = None  # None: the model's own (a part's, see model.py)
    candidates: int = 8  # events, nearest by embedding, whose features are measured
    # Below this embedding cosine to its centroid an event is no candidate, whatever the
    # words: on ecbplus_dev 1 article in 700 is further from its own event.
    min_cosine: float = 0.2
    members_kept: int = 4  # sampled members per event: its first, and the latest others
    time_cap_d: float = 4.0  # a longer gap counts as this one
    reopen_lookback_h: float = 0.0  # how long a closed event can be reopened; 0: never
    close_margin: float = 0.05  # a "close call": two candidates, or the best and the threshold
    norm_tolerance: float = 0.05  # see `EventIndex._length`
    # Across languages only the embedding compares: an article joins an event in other
    # languages when its cosine to one of the event's members reaches this (multilingual
    # USE v3: same happening 0.55 to 0.74, a related other happening 0.29 to 0.42). Kept on
    # measurement: a regression trained without words and headlines, scoring such
    # candidates instead, gave the multilingual set BCubed F1 0.820 against 0.869 with this
    # rule (both on one retrained model, threshold 0.275).
    cross_language_cosine: float = 0.5
    # The parts an article scores at least this with are where the grouping looks for its
    # part's event: a part it shares almost nothing with is no sign of where it belongs.
    # Measured with the model trained before it: every corpus's figures unchanged at
    # 0.05, the pairs of parts weighed for new parts on the bench's feed 6,069 -> 2,514
    # (at 0.1: 1,300, but one article of ecbplus_dev's original timing split off). The
    # bundled model is trained with it, since training weighs the pairs the grouping does.
    nearby_floor: float = 0.05

    def __post_init__(self) -> None:
        if self.min_cosine <= 0:  # free rows of the centroid matrix, zeros, must stay below it
            raise ValueError(f"min_cosine must be above 0, not {self.min_cosine}")

    def is_close_call(self, best: float | None, runner_up: float | None, threshold: float) -> bool:
        """Best and runner-up, or best and the threshold, within `close_margin`."""
        if best is None:
            return False
        return abs(best - threshold) < self.close_margin or (
            runner_up is not None and best - runner_up < self.close_margin
        )

    @property
    def join_threshold(self) -> float:
        return self.model.threshold if self.threshold is None else self.threshold

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterConfig:
        model = MatchModel.load(settings.event_model or bundled_for(settings.model))
        trained_on = model.info.get("embedding_model")
        if settings.event_model and trained_on not in (None, settings.model):
            # Cosines of another embedding sit elsewhere: the weights may not fit them.
            log.warning(
                "event model %s was trained on embedding %r, this worker embeds with %r; "
                "retrain it with WIREWATCH_MODEL=%s wirewatch train",
                settings.event_model,
                trained_on,
                settings.model,
                settings.model,
            )
        model = model.with_thresholds(settings.event_part_threshold, settings.event_threshold)
        return cls(
            model=model.with_time_weight(settings.event_time_weight),
            candidates=settings.event_candidates,
            reopen_lookback_h=settings.event_reopen_lookback_h,
            norm_tolerance=settings.event_norm_tolerance,
        )


@dataclass(frozen=True)
class ClusterItem:
    """What the index needs to know of a unique article."""

    article_id: str
    embedding: np.ndarray  # L2-normalised
    published_at: datetime
    title: str | None = None
    body: str = ""
    mentions: tuple[str, ...] | None = None  # None: found here from the text
    language: str | None = None  # ISO 639-1, where known
    words: Mapping[str, int] | None = None  # content words, counted; None: counted here


@dataclass(frozen=True)
class Assignment:
    event_id: str
    created: bool
    similarity: float | None  # score for the event joined; None when the article opened it
    reopened: bool = False  # it joined an event that had closed
    best: float | None = None  # the best candidate's score, joined or not
    close_call: bool = False  # best and runner-up, or best and threshold, within the margin
    nearby: tuple[str, ...] = ()  # the events it scored at least `nearby_floor` with, best first


@dataclass(frozen=True)
class Candidate:
    event_id: str
    features: np.ndarray  # in the order of FEATURES
    closed: bool
    # The article's language is none of the event's: its words, names and headline are
    # not comparable with the event's, so the learned score undervalues it.
    cross_language: bool = False


@dataclass
class _Evidence:
    """An article's text evidence, as term vectors."""

    words: TermVector
    mentions: TermVector
    headline: TermVector
    days: TermVector  # the mentions that name a day
    arrays: TextArrays | None = None  # made when needed
    day_squares: float = field(init=False)  # of `days`, for their cosines (`_squares`)

    def __post_init__(self) -> None:
        self.day_squares = _squares(self.days)


# What `EventIndex._length` measures of an event: the IDF-weighted length of its words,
# mentions or headline, or its mentions' IDF mass (for coverage).
_Length = Literal["words", "mentions", "headline", "mention_mass"]


@dataclass
class _LiveEvent:
    event_id: str
    row: int  # of the index's matrices
    vector_sum: np.ndarray
    first_seen: datetime
    last_seen: datetime
    # The sums of the members' words, mentions and headlines, as arrays (empty where the
    # index reads no text), kept up to date.
    arrays: TextArrays
    # Sampled members' embeddings, one row each: the first, then the latest (a matrix, so
    # that the cosines to all of them are one product).
    members: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    size: int = 0
    closed: bool = False
    day_terms: TermVector = field(default_factory=dict)  # sum of the members' day vectors
    # The sum of the squares of `day_terms`' weights, measured when first needed: each
    # candidate that names a day compares them.
    day_squares: float | None = None
    term_documents: Counter[str] = field(default_factory=Counter)
    mention_documents: Counter[str] = field(default_factory=Counter)
    # IDF-weighted lengths (`EventIndex._length`), and the statistics they were measured
    # with (their size, and how many changes of the word and mention counts came before):
    # forgotten when the event changes or the statistics moved.
    norms: dict[_Length, float] | None = None
    languages: set[str] = field(default_factory=set)
    norms_documents: int = 0
    norms_changes: tuple[int, int] = (-1, -1)
    # `first_seen` and `last_seen` in POSIX seconds, for each candidate's time gap: a
    # datetime's `timestamp()` there cost 1.4 % of the event stage.
    first_ts: float = field(init=False)
    last_ts: float = field(init=False)

    def __post_init__(self) -> None:
        self.first_ts, self.last_ts = self.first_seen.timestamp(), self.last_seen.timestamp()

    def days_squared(self) -> float:
        if self.day_squares is None:
            self.day_squares = _squares(self.day_terms)
        return self.day_squares

    def add(self, item: ClusterItem, evidence: _Evidence, kept: int, first: bool) -> None:
        if not first:
            self.vector_sum = self.vector_sum + item.embedding
        vector = np.asarray(item.embedding, dtype=np.float32)
        if len(self.members) < kept:
            self.members = np.vstack([self.members.reshape(-1, len(vector)), vector])
        else:  # keep the first, drop the oldest of the others
            self.members[1:-1] = self.members[2:]
            self.members[-1] = vector
        if item.language:
            self.languages.add(item.language)
        self.size += 1
        self.norms = None
        if item.published_at < self.first_seen:
            self.first_seen, self.first_ts = item.published_at, item.published_at.timestamp()
        if item.published_at > self.last_seen:
            self.last_seen, self.last_ts = item.published_at, item.published_at.timestamp()
        _accumulate(self.day_terms, evidence.days)
        if evidence.days:
            self.day_squares = None
        self.term_documents.update(evidence.words.keys())
        self.mention_documents.update(evidence.mentions.keys())


def _accumulate(total: TermVector, vector: TermVector) -> None:
    for term, weight in vector.items():
        total[term] = total.get(term, 0.0) + weight


def _binary_vector(terms: tuple[str, ...] | list[str]) -> TermVector:
    distinct = set(terms)
    if not distinct:
        return {}
    weight = 1.0 / math.sqrt(len(distinct))
    return {t: weight for t in distinct}


class _Rows:
    """The events' centroids, one row each, in one contiguous array: finding the nearest
    events of an article is then one matrix product. Rows of dropped events are reused,
    lowest first, so the rows in use stay below `end` and a product reads only those. A
    free row holds zeros: its cosine to anything, 0, is below the cosine floor."""

    def __init__(self) -> None:
        self.centroids = np.zeros((0, 0), dtype=np.float32)
        self.live = np.zeros(0, dtype=bool)  # held (open or closed), not a free row
        # Each open event's articles (as of `set`, only ever called on an open event); 0
        # for a closed event and a free row.
        self.open_sizes = np.zeros(0, dtype=np.int64)
        self.event_ids: list[str | None] = []
        self.end = 0  # one past the highest row in use
        self._free: list[int] = []  # a heap: the lowest free row is taken first
        self.changed: set[int] = set()  # rows set since the batch's cosines were measured

    def take(self, event_id: str, dim: int) -> int:
        if not self._free:
            self._grow(dim)
        row = heapq.heappop(self._free)
        self.event_ids[row] = event_id
        self.live[row] = True
        self.end = max(self.end, row + 1)
        return row

    def release(self, row: int) -> None:
        self.event_ids[row] = None
        self.live[row] = False
        self.open_sizes[row] = 0
        self.centroids[row] = 0.0
        self.changed.add(row)
        heapq.heappush(self._free, row)
        while self.end and not self.live[self.end - 1]:
            self.end -= 1

    def set(self, event: _LiveEvent) -> None:
        self.centroids[event.row] = _unit(event.vector_sum)
        self.open_sizes[event.row] = event.size
        self.changed.add(event.row)

    def _grow(self, dim: int) -> None:
        old = len(self.live)
        size = max(64, 2 * old)
        centroids = np.zeros((size, dim), dtype=np.float32)
        if old:
            centroids[:old] = self.centroids
        self.centroids = centroids
        self.live = np.concatenate([self.live, np.zeros(size - old, dtype=bool)])
        self.open_sizes = np.concatenate([self.open_sizes, np.zeros(size - old, dtype=np.int64)])
        self.event_ids.extend([None] * (size - old))
        self._free = list(range(old, size))  # ascending: already a heap


def event_id_for(article_id: str) -> str:
    """Events are named after the article that opened them, so a replay names them again."""
    return "ev-" + hashlib.sha1(article_id.encode()).hexdigest()[:16]


class EventIndex:
    """The open events, and the closed ones that may still reopen, for matching: one
    centroid per event in a contiguous array, the evidence of each, and the document
    frequencies of the open events' articles. Decides for each unique article the event
    it joins, or that it opens one.
    """

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        model = self.config.model
        self._nearby_floor = self.config.nearby_floor
        if model.grouping is not None:  # never above it: a lower threshold asks for more
            self._nearby_floor = min(self._nearby_floor, model.grouping.threshold)
        self._lexical = any(
            model.uses(f) for f in ("words", "mentions", "mention_coverage", "headline")
        )
        self._compiled = load_compiled()
        self._events: dict[str, _LiveEvent] = {}
        self._rows = _Rows()
        self._expiry: list[tuple[datetime, str]] = []  # (last_seen, id) of open events, lazy
        self._closed_expiry: list[tuple[datetime, str]] = []  # the same, of closed events
        self._df = DocumentFrequencies(model.idf_prior_documents)
        self._mention_df = DocumentFrequencies(model.idf_prior_documents)
        self.open_events = 0
        # The cosines of a batch's articles to every centroid, measured by `prepare`.
        self._prepared: dict[str, int] = {}
        self._prepared_cosines = np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        """Open events."""
        return self.open_events

    @property
    def held(self) -> int:
        """Events held: the open ones, and the closed ones that may still reopen (an
        article is compared with all of them)."""
        return len(self._events)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._events

    @property
    def lookback(self) -> timedelta:
        """How long a closed event can still be reopened."""
        return timedelta(hours=self.config.reopen_lookback_h)

    def largest_open(self) -> int:
        """Articles in the largest open event."""
        rows = self._rows
        return int(rows.open_sizes[: rows.end].max(initial=0))

    def assign(self, item: ClusterItem) -> Assignment:
        evidence = self._evidence(item)
        config = self.config
        model = config.model
        threshold = config.join_threshold
        scored = sorted(
            ((self._score(c), c) for c in self._candidates(item, evidence)),
            key=lambda sc: -sc[0],
        )
        eligible = [
            (s, c) for s, c in scored if s >= (model.reopen_threshold if c.closed else threshold)
        ]
        best = scored[0][0] if scored else None
        runner_up = scored[1][0] if len(scored) > 1 else None
        close_call = config.is_close_call(best, runner_up, threshold)
        nearby = tuple(c.event_id for s, c in scored if s >= self._nearby_floor)
        if eligible:
            score, chosen = eligible[0]
            self._join(chosen.event_id, item, evidence)
            return Assignment(
                chosen.event_id,
                created=False,
                similarity=round(score, 4),
                reopened=chosen.closed,
                best=round(score, 4),
                close_call=close_call,
                nearby=nearby,
            )
        event_id = event_id_for(item.article_id)
        self._open(event_id, item, evidence)
        return Assignment(
            event_id,
            created=True,
            similarity=None,
            best=None if best is None else round(best, 4),
            close_call=close_call,
            nearby=nearby,
        )

    def _score(self, candidate: Candidate) -> float:
        """The learned score; across languages, the member cosine where it is high enough."""
        score = self.config.model.score(candidate.features)
        if candidate.cross_language:
            cosine = float(candidate.features[_F["member_cosine"]])
            if cosine >= self.config.cross_language_cosine:
                return max(score, cosine)
        return score

    def prepare(self, embeddings: dict[str, np.ndarray]) -> None:
        """Measure the cosines of a batch's articles (by id) to every centroid in one
        product: the centroid matrix is read once per batch instead of once per article.
        Rows that change later in the batch are measured again when an article is matched."""
        rows = self._rows
        rows.changed.clear()
        if not embeddings or not rows.end:
            self._prepared = {}
            return
        self._prepared = {article_id: n for n, article_id in enumerate(embeddings)}
        # One row per article: each article then reads its cosines contiguously.
        self._prepared_cosines = np.stack(list(embeddings.values())) @ rows.centroids[: rows.end].T

    def candidates(self, item: ClusterItem) -> list[Candidate]:
        """The events an article is compared with, and its features for each (training)."""
        return self._candidates(item, self._evidence(item))

    def size(self, event_id: str) -> int:
        return self._events[event_id].size

    def is_closed(self, event_id: str) -> bool:
        return self._events[event_id].closed

    def languages(self, event_id: str) -> set[str]:
        return self._events[event_id].languages

    def nearest(self, event_id: str, count: int) -> list[str]:
        """The `count` other events nearest to this one by centroid (above the cosine
        floor), nearest first."""
        return self.nearest_each([event_id], count)[event_id]

    def nearest_each(self, event_ids: list[str], count: int) -> dict[str, list[str]]:
        """`nearest` of each of these events, from one product with the centroid matrix:
        it is read once instead of once per event (tens of megabytes once thousands of
        events are held)."""
        rows = self._rows
        picked = [self._events[e].row for e in event_ids]
        cosines = rows.centroids[picked] @ rows.centroids[: rows.end].T
        nearest = {}
        for event_id, row, column in zip(event_ids, picked, cosines, strict=True):
            column[row] = -math.inf
            nearest[event_id] = [str(rows.event_ids[n]) for n in self._nearest_rows(column, count)]
        return nearest

    def part_features(self, first: str, second: str) -> np.ndarray:
        """PART_FEATURES between two held events: the evidence of all their articles."""
        a, b = self._events[first], self._events[second]
        words, mentions = self._df.weights(), self._mention_df.weights()
        features = np.zeros(len(PART_FEATURES))
        rows = self._rows.centroids
        features[_P["centroid_cosine"]] = float(rows[a.row] @ rows[b.row])
        # The reduction itself: `.max()` goes through a Python wrapper, 1 % of the stage.
        features[_P["member_cosine"]] = float(np.maximum.reduce(a.members @ b.members.T, None))
        # A product above 0 means both hold a shared term, so that neither length is 0.
        word_dot, mention_dot, shared, headline_dot = pair_products(
            words, mentions, a.arrays, b.arrays
        )
        if word_dot > 0.0:
            a_norm, b_norm = self._length(a, "words", words), self._length(b, "words", words)
            features[_P["words"]] = _cosine_from(word_dot, a_norm, b_norm)
        if mention_dot > 0.0:
            a_norm = self._length(a, "mentions", mentions)
            b_norm = self._length(b, "mentions", mentions)
            features[_P["mentions"]] = _cosine_from(mention_dot, a_norm, b_norm)
            features[_P["mention_coverage_min"]], features[_P["mention_coverage_max"]] = sorted(
                (
                    shared / self._length(a, "mention_mass", mentions),
                    shared / self._length(b, "mention_mass", mentions),
                )
            )
        if headline_dot > 0.0:
            a_norm = self._length(a, "headline", words)
            b_norm = self._length(b, "headline", words)
            features[_P["headline"]] = _cosine_from(headline_dot, a_norm, b_norm)
        if a.day_terms and b.day_terms:
            features[_P["days"]] = _cosine(
                a.day_terms, b.day_terms, a.days_squared(), b.days_squared()
            )
            features[_P["days_stated"]] = 1.0
        sizes = sorted((a.size, b.size))
        features[_P["log_size_min"]] = math.log1p(sizes[0])
        features[_P["log_size_max"]] = math.log1p(sizes[1])
        gap = max(
            0.0,
            (a.first_seen - b.last_seen).total_seconds(),
            (b.first_seen - a.last_seen).total_seconds(),
        )
        features[_P["time_gap_d"]] = min(gap / 86400.0, self.config.time_cap_d)
        return features

    def restore(self, event_id: str, item: ClusterItem) -> None:
        """Put back a stored member of an event (on start, from the store); also puts an
        article in a given event (training on gold labels)."""
        evidence = self._evidence(item)
        if event_id in self._events:
            self._join(event_id, item, evidence)
        else:
            self._open(event_id, item, evidence)

    def drop(self, event_id: str) -> None:
        """Take an event out, its word statistics with it (an editor's correction then
        `restore`s the members it has now: the merged evidence of two events, or one
        without the articles that left)."""
        event = self._events.pop(event_id, None)
        if event is None:
            return
        self._rows.release(event.row)
        if not event.closed:  # a closed event's statistics have already left
            self.open_events -= 1
            self._df.remove(event.term_documents, event.size)
            self._mention_df.remove(event.mention_documents, event.size)

    def evict_before(self, cutoff: datetime) -> list[str]:
        """Close the events not seen since the cutoff, and drop the closed ones past the
        reopening lookback; returns the ids of the events dropped."""
        while self._expiry and self._expiry[0][0] < cutoff:
            last_seen, event_id = heapq.heappop(self._expiry)
            event = self._events.get(event_id)
            if event is None or event.closed:
                continue
            if event.last_seen > last_seen:  # seen again since: re-queue at its new time
                heapq.heappush(self._expiry, (event.last_seen, event_id))
                continue
            self._close(event)
        dropped = []
        horizon = cutoff - self.lookback
        while self._closed_expiry and self._closed_expiry[0][0] < horizon:
            last_seen, event_id = heapq.heappop(self._closed_expiry)
            event = self._events.get(event_id)
            if event is None or not event.closed or event.last_seen > last_seen:
                continue
            del self._events[event_id]
            self._rows.release(event.row)
            dropped.append(event_id)
        self._compact_term_ids()
        return dropped

    # -- internals -----------------------------------------------------------------

    def _evidence(self, item: ClusterItem) -> _Evidence:
        if not self._lexical:
            return _Evidence({}, {}, {}, {})
        found = item.mentions
        if found is None:
            found = tuple(find_mentions(item.title, item.body))
        return _Evidence(
            term_vector(item.title, item.body) if item.words is None else weighted(item.words),
            _binary_vector(found),
            term_vector(item.title or first_sentence(item.body), ""),
            _binary_vector([m for m in found if is_day(m)]),
        )

    def _candidates(self, item: ClusterItem, evidence: _Evidence) -> list[Candidate]:
        if not self._events:
            return []
        config = self.config
        rows = self._rows
        cosines = self._cosines(item)
        nearest = self._nearest_rows(cosines, config.candidates)
        model = self.config.model
        query = None
        if self._lexical:
            arrays = self._evidence_arrays(evidence)
            query = ArticleQuery(
                ArrayQuery(arrays.words, self._df) if model.uses("words") else None,
                ArrayQuery(arrays.mentions, self._mention_df)
                if model.uses("mentions") or model.uses("mention_coverage")
                else None,
                ArrayQuery(arrays.headline, self._df) if model.uses("headline") else None,
            )
        words_idf, mentions_idf = self._df.weights(), self._mention_df.weights()
        t = item.published_at.timestamp()
        # Rows at or above the cosine floor are in use: each names its event.
        events = [self._events[str(rows.event_ids[n])] for n in nearest]
        member_cosines = _best_member_cosines(events, item.embedding)
        out = []
        for n, event, member_cosine in zip(nearest, events, member_cosines, strict=True):
            features = [0.0] * len(FEATURES)
            features[_F["centroid_cosine"]] = float(cosines[n])
            features[_F["member_cosine"]] = member_cosine
            if query is not None:
                # A product above 0 means both hold a shared term, so that neither length is 0.
                words, mentions, coverage, headline = query.products(event.arrays)
                if words > 0.0:
                    norm = self._length(event, "words", words_idf)
                    features[_F["words"]] = _cosine_from(words, query.words.norm, norm)
                if mentions > 0.0:
                    norm = self._length(event, "mentions", mentions_idf)
                    features[_F["mentions"]] = _cosine_from(mentions, query.mentions.norm, norm)
                    features[_F["mention_coverage"]] = coverage
                if headline > 0.0:
                    norm = self._length(event, "headline", words_idf)
                    features[_F["headline"]] = _cosine_from(headline, query.headline.norm, norm)
            if evidence.days and event.day_terms:
                features[_F["days"]] = _cosine(
                    evidence.days, event.day_terms, evidence.day_squares, event.days_squared()
                )
                features[_F["days_stated"]] = 1.0
            gap_s = max(0.0, event.first_ts - t, t - event.last_ts)
            features[_F["time_gap_d"]] = min(gap_s / 86400.0, config.time_cap_d)
            features[_F["log_size"]] = math.log1p(event.size)
            cross = bool(item.language and event.languages) and (
                item.language not in event.languages
            )
            out.append(Candidate(event.event_id, np.array(features), event.closed, cross))
        return out

    def _nearest_rows(self, cosines: np.ndarray, count: int) -> list[int]:
        """The rows of the `count` held events with the highest cosines at or above the
        cosine floor, highest first (free rows, zeros, are below it)."""
        floor = cosines.dtype.type(self.config.min_cosine)  # compared as numpy does
        return self._compiled.top_rows(cosines, count, floor).tolist()

    def _cosines(self, item: ClusterItem) -> np.ndarray:
        """The article's cosine to every row in use: from `prepare` where the row has not
        changed since, measured now where it has (or is newer)."""
        rows = self._rows
        prepared_row = self._prepared.get(item.article_id)
        if prepared_row is None:
            return rows.centroids[: rows.end] @ item.embedding
        cosines = self._prepared_cosines[prepared_row]  # this article's: updated in place
        measured = len(cosines)
        stale = [row for row in rows.changed if row < measured]
        if stale:
            cosines[stale] = rows.centroids[stale] @ item.embedding
        if rows.end > measured:
            cosines = np.concatenate(
                [cosines, rows.centroids[measured : rows.end] @ item.embedding]
            )
        return cosines

    def _length(self, event: _LiveEvent, what: _Length, idf: IdfWeights) -> float:
        """The IDF-weighted length of the event's words, mentions or headline, or its
        mentions' IDF mass, with `idf` (the words' for words and headline, the mentions'
        for the others). Measured when first asked for, which is only where a candidate
        shares a term with the event (most share no name or headline word), and kept until
        the event or the live statistics change (the many pairs of one regroup read it
        once). With a `norm_tolerance` above 0, the statistics count as changed only once
        they grew or shrank by that share: faster, but the scores then depend on when a
        length was measured, which a restart does not rebuild."""
        df, tolerance, norms = self._df, self.config.norm_tolerance, event.norms
        # Called for most candidates and pairs, and mostly answered from `norms`: the
        # check is written out for that case.
        if norms is not None and (
            abs(df.documents - event.norms_documents) <= tolerance * df.documents
            if tolerance
            else (df.changes, self._mention_df.changes) == event.norms_changes
        ):
            length = norms.get(what)
            if length is not None:
                return length
        else:
            norms = event.norms = {}
            event.norms_documents = df.documents
            event.norms_changes = (df.changes, self._mention_df.changes)
        if what == "mention_mass":
            length = idf.sparse_mass(event.arrays.mentions)
        else:
            length = idf.sparse_norm(getattr(event.arrays, what))
        norms[what] = length
        return length

    def _evidence_arrays(self, evidence: _Evidence) -> TextArrays:
        if evidence.arrays is None:
            evidence.arrays = self._as_arrays(evidence.words, evidence.mentions, evidence.headline)
        return evidence.arrays

    def _as_arrays(
        self, words: TermVector, mentions: TermVector, headline: TermVector
    ) -> TextArrays:
        return TextArrays(
            self._df.sparse(words), self._mention_df.sparse(mentions), self._df.sparse(headline)
        )

    def _compact_term_ids(self) -> None:
        """Hand back the ids of terms no held event has (pipeline/events/lexical.py), and
        renumber the events' arrays."""
        words, mentions = self._df.needs_compacting(), self._mention_df.needs_compacting()
        if not (words or mentions):
            return
        events = list(self._events.values())
        arrays = [e.arrays for e in events]
        if words:
            in_use = [t.ids for a in arrays for t in (a.words, a.headline)]
            new_ids = self._df.compact(np.concatenate([_NO_TERM_IDS, *in_use]))
            arrays = [
                a._replace(
                    words=a.words.renumbered(new_ids), headline=a.headline.renumbered(new_ids)
                )
                for a in arrays
            ]
        if mentions:
            in_use = [a.mentions.ids for a in arrays]
            new_ids = self._mention_df.compact(np.concatenate([_NO_TERM_IDS, *in_use]))
            arrays = [a._replace(mentions=a.mentions.renumbered(new_ids)) for a in arrays]
        for event, renumbered in zip(events, arrays, strict=True):
            event.arrays = renumbered

    def _open(self, event_id: str, item: ClusterItem, evidence: _Evidence) -> None:
        vector = item.embedding.astype(np.float32).copy()
        event = _LiveEvent(
            event_id,
            self._rows.take(event_id, len(vector)),
            vector,
            item.published_at,
            item.published_at,
            # Empty where the match model reads no text: the grouping's pairs read them.
            self._evidence_arrays(evidence),
        )
        event.add(item, evidence, self.config.members_kept, first=True)
        self._rows.set(event)
        self._events[event_id] = event
        self.open_events += 1
        self._count(evidence)
        heapq.heappush(self._expiry, (item.published_at, event_id))

    def _join(self, event_id: str, item: ClusterItem, evidence: _Evidence) -> None:
        event = self._events[event_id]
        if event.closed:
            self._reopen(event)
        event.add(item, evidence, self.config.members_kept, first=False)
        article = self._evidence_arrays(evidence)
        event.arrays = TextArrays(*map(summed, event.arrays, article))
        self._rows.set(event)
        self._count(evidence)

    def _count(self, evidence: _Evidence) -> None:
        word_ids = mention_ids = None
        if self._lexical:
            arrays = self._evidence_arrays(evidence)
            word_ids, mention_ids = arrays.words.ids, arrays.mentions.ids
        self._df.add(evidence.words.keys(), word_ids)
        self._mention_df.add(evidence.mentions.keys(), mention_ids)

    def _close(self, event: _LiveEvent) -> None:
        """Out of the live window: its articles leave the statistics; it may reopen."""
        event.closed = True
        self._rows.open_sizes[event.row] = 0  # `set` again when it reopens and grows
        self.open_events -= 1
        self._df.remove(event.term_documents, event.size)
        self._mention_df.remove(event.mention_documents, event.size)
        heapq.heappush(self._closed_expiry, (event.last_seen, event.event_id))

    def _reopen(self, event: _LiveEvent) -> None:
        event.closed = False
        self.open_events += 1
        self._df.put_back(event.term_documents, event.size)
        self._mention_df.put_back(event.mention_documents, event.size)
        heapq.heappush(self._expiry, (event.last_seen, event.event_id))


def _cosine_from(dot: float, a_norm: float, b_norm: float) -> float:
    """The cosine of two vectors from their product and their lengths (neither 0); a
    negative one counts as 0."""
    return max(0.0, dot / (a_norm * b_norm))


_NO_TERM_IDS = np.zeros(0, dtype=np.int64)


def _best_member_cosines(events: list[_LiveEvent], embedding: np.ndarray) -> list[float]:
    """Each event's best cosine between the embedding and its sampled members, from one
    product with all their members (one call instead of one per event)."""
    if not events:
        return []
    members = [e.members for e in events]
    cosines = np.concatenate(members) @ embedding
    starts = np.cumsum([0] + [len(m) for m in members[:-1]])
    return np.maximum.reduceat(cosines, starts).tolist()


def _cosine(a: TermVector, b: TermVector, a_squares: float, b_squares: float) -> float:
    """Plain cosine of two small term vectors (no IDF: a handful of terms), given the sums
    of their weights' squares (`_squares`)."""
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(a_squares * b_squares)


def _squares(vector: TermVector) -> float:
    return sum(w * w for w in vector.values())


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
