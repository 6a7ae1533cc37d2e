"""Events from parts: which event does a part belong to?

Matching an article straight into an event is brittle where it matters most. The first
report of a second happening of the same kind (a second shooting the same afternoon, the
next day's call between other leaders) looks like the first one's reports, joins its
event, and every later report of it follows, since the event now holds one of them.
Measured on ECB+ with the twin events of each topic re-timed to start within 3 hours of
each other, that is how most of the errors happen.

So events are built in two steps. The index (pipeline/events/index.py) puts an article
into a *part*: a tight group of reports of the very same thing, at a strict score. Here,
a part belongs to the event whose parts it matches best on average (average link, each
part weighed by its articles), when that average reaches the grouping's threshold; with
none, it is an event of its own. A new part is placed at once, with its article. A part
that grows is weighed again at sizes 2, 3, 4, 6, 8, 12, 16... (evidence gathered later
mends an early mistake: a part that no longer belongs with the rest of its event moves to
the event it matches, or stands alone). Without this second look the gain is lost.

Rules that keep it predictable:
- An event's founding part (the one it is named after) does not move while other parts
  are with it: they are weighed on their own.
- An event an editor corrected keeps its parts: they never move by themselves.
- A closed event (no open part) is rejoined only at the grouping's `reopen_threshold`.

With a model of version 1 there is no grouping: each part is an event of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pipeline.events.index import Assignment, EventIndex
from pipeline.events.model import PART_FEATURES, GroupingModel

# An event is compared through its largest parts: the cost of a decision stays bounded.
PARTS_COMPARED = 8
# Two parts in no common language compare by embedding alone: their words and headlines
# cannot meet, so the learned score undervalues them. Where their closest members reach
# this cosine (multilingual USE v3: the same happening across languages 0.74 to 0.83 on
# data/eval/multilingual.jsonl, the next day's call on the same war 0.52 to 0.67, the
# ministers' meeting a week later 0.45 to 0.67), that cosine is their score. Measured:
# the multilingual set's BCubed F1 0.928 without the rule, 0.949 with it at 0.65 and 0.7;
# at 0.6 the ministers' meeting joins the call (0.909).
CROSS_LANGUAGE_COSINE = 0.7
# A part weighed again looks for its event among those of its nearest parts (by centroid).
# Measured: 4 instead of the index's 8 candidates leaves every corpus's figures as they
# were and weighs 40 % fewer pairs on the bench's feed (2 moved them by up to 0.004).
NEAREST_WEIGHED = 4
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

    def event_of(self, part: str) -> str | None:
        return self._event_of.get(part)

    def parts_of(self, event_id: str) -> set[str]:
        return self._parts.get(event_id, set())

    def link(self, part: str, event_id: str) -> None:
        """The part is in this event now (it leaves the one it was in)."""
        self.unlink(part)
        self._event_of[part] = event_id
        self._parts.setdefault(event_id, set()).add(part)

    def unlink(self, part: str) -> str | None:
        """The part leaves the map; returns its event."""
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
            self._event_of.pop(part, None)
            self.due.discard(part)
        return parts

    def is_closed(self, event_id: str, but: str | None = None) -> bool:
        """No part of the event is open (leaving `but` out)."""
        return all(self.index.is_closed(p) for p in self.parts_of(event_id) if p != but)

    def may_move(self, part: str) -> bool:
        event_id = self._event_of.get(part)
        if event_id is None or event_id in self.frozen:
            return False
        return part != event_id or self.parts_of(event_id) == {part}

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
        """The due parts that belong elsewhere now: part -> (its event, the event it goes
        to; the part's own id when it stands alone). Decided, not applied (`apply`)."""
        moves = {}
        for part in sorted(p for p in self.due if p in self.index and self.may_move(p)):
            current = self._event_of[part]
            target = self.decide(part, self.index.nearest(part, NEAREST_WEIGHED)).event_id
            if target is None:  # it matches no event well enough, its own included
                target = current if self.parts_of(current) == {part} else part
            if target != current:
                moves[part] = (current, target)
        return moves

    def apply(self, moves: dict[str, tuple[str, str]]) -> None:
        """Move the parts as decided; nothing is due any more."""
        for part, (_, target) in moves.items():
            self.link(part, target)
        self.due.clear()

    def _close(self, decision: Decision) -> bool:
        if self.model is None:
            return False
        return self.index.config.is_close_call(
            decision.score, decision.runner_up, self.model.threshold
        )

    def _score(self, part: str, other: str) -> float:
        """The learned score of two parts; across languages, the cosine of their closest
        members where it reaches CROSS_LANGUAGE_COSINE."""
        assert self.model is not None
        features = self.index.part_features(part, other)
        score = self.model.score(features)
        ours, theirs = self.index.languages(part), self.index.languages(other)
        if ours and theirs and not ours & theirs:
            cosine = float(features[_MEMBER_COSINE])
            if cosine >= CROSS_LANGUAGE_COSINE:
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
                key=lambda p: (-index.size(p), p),
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
