"""What an editor's correction does, decided from the stored facts: pure logic.

The event stage applies it (`EventStage.apply`) and the CLI and the dashboard check a
command with it before sending it, so both reject an unknown id with the same words.

A correction is idempotent by its effect: when what it asks for is already so (the event
already merged, the article already where it is sent, the headline already pinned) it is
`unchanged`, so the same command twice changes nothing; a redelivered message is caught
earlier, by its correction id.

Copies go with their original: moving or splitting off an article takes its wire copies
in the same event along (the board folds them under it, and later copies follow it), and
a copy alone cannot be moved (its original decides where its group is).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.errors import CorrectionRejected
from schemas.messages import Correction


@dataclass(frozen=True)
class EventFacts:
    """What a correction needs to know of a stored event."""

    article_count: int
    merged_into: str | None = None
    pinned_article_id: str | None = None


@dataclass(frozen=True)
class Effect:
    """What applying a correction changes; `unchanged` when it is already so."""

    moves: dict[str, str] = field(default_factory=dict)  # article id -> event id
    pins: dict[str, str | None] = field(default_factory=dict)  # event id -> pinned article
    result_event_id: str | None = None
    merged_from: str | None = None
    unchanged: bool = False


Members = Mapping[str, Mapping[str, str | None]]  # event id -> {article id: duplicate_of}


def new_event_id(correction_id: str) -> str:
    """The event a move or split opens: named after the correction, so a replay names it
    again, and never after an article (whose own event may bear that name)."""
    return "ev-" + hashlib.sha1(f"correction:{correction_id}".encode()).hexdigest()[:16]


def decide(
    correction: Correction,
    events: Mapping[str, EventFacts],
    members: Members,
    placements: Mapping[str, tuple[str, str | None]],
) -> Effect:
    """The effect of the correction on the stored state: `events` holds (at least) the
    events it names and those of its articles, `members` their articles, `placements`
    (event, duplicate_of) of its articles. Raises CorrectionRejected with what is wrong."""
    action = correction.action
    if action == "merge":
        return _merge(correction, events, members)
    if action == "move":
        return _move(correction, events, members, placements)
    if action == "split":
        return _split(correction, events, members, placements)
    return _pin(correction, events, members, placements)


def check_event(event_id: str | None, events: Mapping[str, EventFacts]) -> str:
    if not event_id:
        raise CorrectionRejected("no event given")
    facts = events.get(event_id)
    if facts is None:
        raise CorrectionRejected(f"unknown event {event_id!r}")
    if facts.merged_into:
        raise CorrectionRejected(f"event {event_id!r} was merged into {facts.merged_into!r}")
    if facts.article_count == 0:
        raise CorrectionRejected(f"event {event_id!r} has no articles left")
    return event_id


def check_article(article_id: str, placements: Mapping[str, tuple[str, str | None]]) -> str:
    if article_id not in placements:
        raise CorrectionRejected(f"unknown article {article_id!r}")
    return placements[article_id][0]


def _merge(correction: Correction, events: Mapping[str, EventFacts], members: Members) -> Effect:
    into, source = correction.event_id, correction.from_event_id
    if into and into == source:
        raise CorrectionRejected("an event cannot be merged into itself")
    facts = events.get(source or "")
    if facts is not None and facts.merged_into == into and into:
        return Effect(result_event_id=into, merged_from=source, unchanged=True)
    into = check_event(into, events)
    source = check_event(source, events)
    pins: dict[str, str | None] = {}
    if events[into].pinned_article_id is None and events[source].pinned_article_id:
        pins[into] = events[source].pinned_article_id
    moves = {article_id: into for article_id in members.get(source, {})}
    return Effect(moves=moves, pins=pins, result_event_id=into, merged_from=source)


def _group(article_id: str, event_id: str, members: Members) -> set[str]:
    """The article and its copies in the event."""
    return {article_id} | {
        a for a, original in members.get(event_id, {}).items() if original == article_id
    }


def _originals(
    article_ids: list[str], placements: Mapping[str, tuple[str, str | None]]
) -> list[str]:
    """The originals among the articles; a copy is accepted only with its original."""
    if not article_ids:
        raise CorrectionRejected("no article given")
    for article_id in article_ids:
        check_article(article_id, placements)
    listed = set(article_ids)
    originals = []
    for article_id in article_ids:
        original = placements[article_id][1]
        if original is None:
            originals.append(article_id)
        elif original not in listed:
            raise CorrectionRejected(
                f"article {article_id!r} is a wire copy of {original!r}: "
                f"move {original!r} (its copies go with it)"
            )
    return list(dict.fromkeys(originals))


def _move(
    correction: Correction,
    events: Mapping[str, EventFacts],
    members: Members,
    placements: Mapping[str, tuple[str, str | None]],
) -> Effect:
    (article_id,) = _originals(correction.article_ids[:1], placements)
    source = placements[article_id][0]
    group = _group(article_id, source, members)
    if correction.event_id is not None:
        target = check_event(correction.event_id, events)
        if target == source:
            return Effect(result_event_id=target, unchanged=True)
    else:
        if set(members.get(source, {})) == group:  # already an event of its own
            return Effect(result_event_id=source, unchanged=True)
        target = new_event_id(correction.correction_id)
    return Effect(moves=dict.fromkeys(group, target), result_event_id=target)


def _split(
    correction: Correction,
    events: Mapping[str, EventFacts],
    members: Members,
    placements: Mapping[str, tuple[str, str | None]],
) -> Effect:
    event_id = check_event(correction.event_id, events)
    originals = _originals(correction.article_ids, placements)
    where = {placements[a][0] for a in originals}
    group = set().union(*(_group(a, placements[a][0], members) for a in originals))
    if where != {event_id}:
        if len(where) == 1 and event_id not in where:
            (other,) = where
            if set(members.get(other, {})) == group:  # split off before: already so
                return Effect(result_event_id=other, unchanged=True)
        strays = sorted(a for a in originals if placements[a][0] != event_id)
        raise CorrectionRejected(f"not in event {event_id!r}: {', '.join(strays)}")
    if set(members.get(event_id, {})) == group:
        raise CorrectionRejected(
            f"these are all the articles of {event_id!r}: nothing would be left to split from"
        )
    target = new_event_id(correction.correction_id)
    return Effect(moves=dict.fromkeys(group, target), result_event_id=target)


def _pin(
    correction: Correction,
    events: Mapping[str, EventFacts],
    members: Members,
    placements: Mapping[str, tuple[str, str | None]],
) -> Effect:
    event_id = check_event(correction.event_id, events)
    pinned = events[event_id].pinned_article_id
    if correction.action == "unpin":
        if pinned is None:
            return Effect(result_event_id=event_id, unchanged=True)
        return Effect(pins={event_id: None}, result_event_id=event_id)
    if not correction.article_ids:
        raise CorrectionRejected("no article given")
    article_id = correction.article_ids[0]
    check_article(article_id, placements)
    if article_id not in members.get(event_id, {}):
        raise CorrectionRejected(f"article {article_id!r} is not in event {event_id!r}")
    if pinned == article_id:
        return Effect(result_event_id=event_id, unchanged=True)
    return Effect(pins={event_id: article_id}, result_event_id=event_id)
