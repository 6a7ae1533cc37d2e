"""Events from parts: which event does a part belong to?

Matching an article straight into an event is brittle where it matters most. The first
report of a second happening of the same kind (a second shooting the same afternoon, the
next day's call between other leaders) looks like the first one's reports, joins its
event, and every later report of it follows, since the event now holds one of them.
Measured on ECB+ with the twin events of each topic re-timed to start within 3 hours of
each other, that is how most of the errors happen.

So events are built in two steps. The index (pipeline/events/index.py) puts an article
into a *part*: a tight group of reports of the very same thing, at a strict score. Here,
a new part joins at once the event whose parts it matches best on average (average link,
each part weighed by its articles), when that average reaches the grouping's threshold;
with none, it is an event of its own. A part that grows is due again at sizes 2, 3, 4, 6,
8, 12, 16...: then its neighbourhood (its event and the open events of its nearest parts)
is clustered again from single parts, average link, best pair first, and each part goes
where that clustering puts it. Evidence gathered later mends early mistakes that a part
deciding alone cannot: a founding report that the rest of its event drifted away from is
left alone, two events that grew together become one, the reports of a second happening
that joined the first one's event one by one leave it together. Measured on the re-timed
dev variants (README, Accuracy): twins within 3 hours, pairwise precision 0.874 -> 0.931.

Rules that keep it predictable:
- An event keeps its name while it holds its founding part (the one it is named after);
  a cluster holding several founders takes the name of the event with most articles (the
  others are merged into it), one holding none opens an event named after its largest
  part.
- An event an editor corrected keeps its parts together, and two such events never join.
- A closed event (no open part) is rejoined only at the grouping's `reopen_threshold`,
  by a new part; re-clustering leaves closed events out.

With a model of version 1 there is no grouping: each part is an event of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pipeline.events.index import Assignment, EventIndex
from pipeline.events.model import PART_FEATURES, GroupingModel

# An event is compared through its largest parts: the cost of a decision stays bounded.
PARTS_COMPARED = 8
# A part weighed again is clustered with the events of its nearest parts (by centroid).
# Measured: 4 instead of the index's 8 candidates leaves every corpus's figures as they
# were and weighs 40 % fewer pairs on the bench's feed (2 moved them by up to 0.004).
NEAREST_WEIGHED = 4
# ...each of those events through its largest parts (its own event: PARTS_COMPARED).
# Measured on the dev variants and the bench's feed: 2, 3, 4 give the same figures within
# 0.01 (the worst, no_time's pairwise F1: 0.886, 0.899, 0.894); the event stage alone
# runs 5 % (2) to 15 % (4) slower than without re-clustering.
NEIGHBOUR_PARTS = 3
# The sizes at which a growing part is weighed again: each time its evidence has grown by
# a third to a half, then at every doubling.
_MILESTONES = frozenset({2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128})


_MEMBER_COSINE = PART_FEATURES.index("member_cosine")


def weighed_again_at(size: int) -> bool:
    return size in _MILESTONES or (size > 128 and size & (size - 1) == 0)


@dataclass(frozen=True)
class Decision:
    """Where a part belongs: the best event at or above the threshold, or None."""

    event_id: str | None
    score: float | None  # the best event's average score, reached or not
    runner_up: float | None = None
    closed: bool = False  # the chosen event has no open part: joining it reopens it


@dataclass
class PartGrouping:
    """The map of parts to events, and the decision of where a part belongs."""

    index: EventIndex
    model: GroupingModel | None
    frozen: set[str] = field(default_factory=set)  # events an editor corrected
    due: set[str] = field(default_factory=set)  # parts grown to a size weighed again at
    _event_of: dict[str, str] = field(default_factory=dict)
    _parts: dict[str, set[str]] = field(default_factory=dict)
    # While `regroup` decides: each part moved since it began -> its event before (None:
    # it had none), to put the map back. Copying and sorting the whole map instead cost
    # about an eighth of the event stage once it held 30,000 articles' parts.
    _undo: dict[str, str | None] | None = None

    def event_of(self, part: str) -> str | None:
        return self._event_of.get(part)

    def parts_of(self, event_id: str) -> set[str]:
        return self._parts.get(event_id, set())

    def link(self, part: str, event_id: str) -> None:
        """The part is in this event now (it leaves the one it was in)."""
        self.unlink(part)  # remembers where it was, while `regroup` decides
        self._event_of[part] = event_id
        self._parts.setdefault(event_id, set()).add(part)

    def unlink(self, part: str) -> str | None:
        """The part leaves the map; returns its event."""
        self._remember(part)
        self.due.discard(part)
        event_id = self._event_of.pop(part, None)
        if event_id is not None:
            parts = self._parts.get(event_id, set())
            parts.discard(part)
            if not parts:
                self._parts.pop(event_id, None)
        return event_id

    def unlink_event(self, event_id: str) -> set[str]:
        """Every part of the event leaves the map; returns them."""
        parts = self._parts.pop(event_id, set())
        for part in parts:
            self._remember(part)
            self._event_of.pop(part, None)
            self.due.discard(part)
        return parts

    def is_closed(self, event_id: str, but: str | None = None) -> bool:
        """No part of the event is open (leaving `but` out)."""
        return all(self.index.is_closed(p) for p in self.parts_of(event_id) if p != but)

    def place(self, matched: Assignment) -> Assignment:
        """The event of the part an article matched (or opened), as the article's
        assignment: a new part goes to the event its parts match best, or opens one; a
        grown part keeps its event, and is due to be weighed again (`regroup`) at the sizes
        of `weighed_again_at`."""
        part = matched.event_id
        event_id = self._event_of.get(part)
        if event_id is not None:  # an existing part grew
            if self.model is not None and weighed_again_at(self.index.size(part)):
                self.due.add(part)
            reopened = matched.reopened and self.is_closed(event_id, but=part)
            return replace(matched, event_id=event_id, reopened=reopened)
        decision = self.decide(part, matched.nearby)
        if decision.event_id is None:  # no event close enough: the part opens one
            self.link(part, part)
            if self.model is None:
                return matched
            return replace(
                matched,
                best=_rounded(decision.score),
                close_call=self._close(decision),
            )
        self.link(part, decision.event_id)
        return replace(
            matched,
            event_id=decision.event_id,
            created=False,
            similarity=_rounded(decision.score),
            reopened=decision.closed,
            best=_rounded(decision.score),
            close_call=self._close(decision),
        )

    def regroup(self) -> dict[str, tuple[str, str]]:
        """The parts that belong elsewhere now: part -> (its event, the event it goes to,
        maybe one that opens, named after its largest part). Each due part's neighbourhood
        is clustered again (`_recluster`), seeing the moves decided before it. Decided, not
        applied (`apply`): the map is left as it was."""
        if not self.due:
            return {}
        due = set(self.due)
        scores: dict[tuple[str, str], float] = {}  # the parts do not change meanwhile
        self._undo = undo = {}
        try:
            weighed = [p for p in sorted(due) if p in self.index and p in self._event_of]
            nearest = self.index.nearest_each(weighed, NEAREST_WEIGHED)
            for part in weighed:
                self._recluster(part, nearest[part], scores)
            return {
                p: (before, now)
                for p, before in sorted(undo.items())
                if before is not None
                and (now := self._event_of.get(p)) is not None
                and now != before
            }
        finally:
            self._undo = None
            for part, before in undo.items():
                if before is None:
                    self.unlink(part)
                else:
                    self.link(part, before)
            self.due = due

    def _remember(self, part: str) -> None:
        if self._undo is not None and part not in self._undo:
            self._undo[part] = self._event_of.get(part)

    def _recluster(
        self, part: str, nearest: list[str], score: dict[tuple[str, str], float]
    ) -> None:
        """Average-link clustering, from single parts, of the part's event and the open
        events of its nearest parts (each through its largest parts): two clusters join
        while their average score reaches the threshold, best pair first. Each cluster
        then takes its name (`_name`). `nearest`: the part's nearest parts (by centroid,
        which no move changes)."""
        assert self.model is not None
        index, threshold = self.index, self.model.threshold
        own = self._event_of[part]
        events = [own]
        for p in nearest:
            e = self._event_of.get(p)
            if e is not None and e not in events and not self.is_closed(e):
                events.append(e)
        members: list[str] = []
        for event_id in events:
            largest = sorted(self.parts_of(event_id), key=self._largest_first)
            chosen = largest[: PARTS_COMPARED if event_id == own else NEIGHBOUR_PARTS]
            for keep in (part, event_id):  # the due part and the founder always take part
                if keep in largest and keep not in chosen:
                    chosen.append(keep)
            members.extend(chosen)
        if len(members) < 2:
            return
        # Start: each part alone, but a corrected event's parts stay together.
        groups: dict[str, list[str]] = {}
        for p in members:
            event_id = self._event_of[p]
            groups.setdefault(event_id if event_id in self.frozen else p, []).append(p)
        clusters = list(groups.values())
        frozen = [self._event_of[c[0]] in self.frozen for c in clusters]
        size = {p: index.size(p) for p in members}

        def pair(a: str, b: str) -> float:
            key = (a, b) if a < b else (b, a)
            if key not in score:
                score[key] = self._score(*key)
            return score[key]

        def average(x: list[str], y: list[str]) -> float:
            total = weight = 0.0
            for a in x:
                for b in y:
                    w = size[a] * size[b]
                    total += w * pair(a, b)
                    weight += w
            return total / weight

        while True:
            best, chosen_pair = threshold, None
            for i in range(len(clusters)):
                for j in range(i + 1, len(clusters)):
                    if frozen[i] and frozen[j]:
                        continue  # an editor kept them apart
                    s = average(clusters[i], clusters[j])
                    if s >= best:
                        best, chosen_pair = s, (i, j)
            if chosen_pair is None:
                break
            i, j = chosen_pair
            clusters[i].extend(clusters.pop(j))
            joined_frozen = frozen.pop(j)
            frozen[i] = frozen[i] or joined_frozen
        self._name(clusters, events)

    def _name(self, clusters: list[list[str]], events: list[str]) -> None:
        """Link each cluster's parts to the event the cluster is: the one whose founding
        part it holds (a corrected event first, then the largest), else a new one named
        after its largest part. An event whose founder went to another cluster's event
        goes there whole (its parts left out of the clustering too)."""
        index = self.index
        articles = {e: sum(index.size(p) for p in self.parts_of(e)) for e in events}
        renamed: dict[str, str] = {}
        for cluster in clusters:
            founders = [p for p in cluster if p in articles]
            if founders:
                name = min(founders, key=lambda e: (e not in self.frozen, -articles[e], e))
                renamed.update((f, name) for f in founders)
            else:
                name = min(cluster, key=self._largest_first)
            for p in cluster:
                self.link(p, name)
        for event_id, name in renamed.items():
            if name != event_id:
                for p in list(self.parts_of(event_id)):
                    self.link(p, name)

    def apply(self, moves: dict[str, tuple[str, str]]) -> None:
        """Move the parts as decided; nothing is due any more."""
        for part, (_, target) in moves.items():
            self.link(part, target)
        self.due.clear()

    def _largest_first(self, part: str) -> tuple[int, str]:
        """Sort key of parts: the most articles first, then by id."""
        return -self.index.size(part), part

    def _close(self, decision: Decision) -> bool:
        if self.model is None:
            return False
        return self.index.config.is_close_call(
            decision.score, decision.runner_up, self.model.threshold
        )

    def _score(self, part: str, other: str) -> float:
        """The learned score of two parts; across languages, the cosine of their closest
        members where it reaches the model's `cross_language_cosine`."""
        assert self.model is not None
        features = self.index.part_features(part, other)
        score = self.model.score(features)
        ours, theirs = self.index.languages(part), self.index.languages(other)
        if ours and theirs and not ours & theirs:
            cosine = float(features[_MEMBER_COSINE])
            if cosine >= self.model.cross_language_cosine:
                return max(score, cosine)
        return score

    def decide(self, part: str, nearby: Iterable[str]) -> Decision:
        """The event the part matches best, among those of the nearby parts: the average of
        the part's scores with that event's parts (its largest ones), each weighed by its
        articles. The part's own event is a candidate through its other parts."""
        if self.model is None:
            return Decision(None, None)
        index, model = self.index, self.model
        own = self._event_of.get(part)
        candidates = sorted(
            {e for p in nearby if p != part and (e := self._event_of.get(p)) is not None}
            | ({own} if own is not None else set())
        )
        scored = []
        for event_id in candidates:
            parts = sorted(
                (p for p in self.parts_of(event_id) if p != part),
                key=self._largest_first,
            )[:PARTS_COMPARED]
            if not parts:
                continue
            weights = [index.size(p) for p in parts]
            scores = [self._score(part, p) for p in parts]
            average = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
            scored.append((average, event_id))
        if not scored:
            return Decision(None, None)
        scored.sort(key=lambda se: (-se[0], se[1]))
        best, event_id = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else None
        closed = self.is_closed(event_id, but=part)
        needed = model.reopen_threshold if closed else model.threshold
        if best < needed:
            return Decision(None, best, runner_up)
        return Decision(event_id, best, runner_up, closed)


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 4)
