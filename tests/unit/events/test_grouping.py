"""pipeline/events/grouping.py: a new part goes to the event whose parts it matches; as a
part grows, its neighbourhood is clustered again: a part that belongs elsewhere now
moves, a founding report left behind by the rest of its event stands alone, two events
that grew together become one; the parts of an event an editor corrected stay together.

Vectors are chosen so that only the embedding decides: an article joins a part at a
centroid cosine of 0.9 (25 degrees), parts join events by a regression over the cosine of
their centroids alone. Each article is a direction in a plane, given in degrees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from pipeline.events.grouping import PartGrouping, weighed_again_at
from pipeline.events.index import ClusterConfig, ClusterItem, EventIndex
from pipeline.events.model import GroupingModel, MatchModel

T0 = datetime(2025, 7, 3, 10, 0, tzinfo=UTC)
# P(same event) of two parts: 0.5 at a centroid cosine of 0.75, 0.98 at 0.95, 0.02 at 0.55.
BY_CENTROID = GroupingModel({"centroid_cosine": 20.0}, -15.0, threshold=0.5)


def _grouping() -> PartGrouping:
    model = MatchModel.embedding_only(0.9)
    index = EventIndex(ClusterConfig(model=model, min_cosine=0.1))
    return PartGrouping(index, BY_CENTROID)


def _place(grouping: PartGrouping, article_id: str, degrees: float) -> tuple[str, str]:
    """(part, event) of a new article, at this angle."""
    angle = np.radians(degrees)
    vector = np.array([np.cos(angle), np.sin(angle), 0.0], dtype=np.float32)
    matched = grouping.index.assign(ClusterItem(article_id, vector, T0))
    return matched.event_id, grouping.place(matched).event_id


def test_a_new_part_joins_the_event_it_matches_or_opens_one() -> None:
    grouping = _grouping()
    part_a, event_a = _place(grouping, "a", 0)
    assert event_a == part_a  # the first opens an event, named after its part
    part_b, event_b = _place(grouping, "b", 30)  # cosine 0.87: a part of its own ...
    assert part_b != part_a and event_b == event_a  # ... in the same event (0.91)
    part_c, event_c = _place(grouping, "c", 60)  # cosine 0.5: another event
    assert event_c == part_c != event_a
    assert grouping.parts_of(event_a) == {part_a, part_b}


def test_a_part_that_grew_away_moves_to_the_event_it_matches_now() -> None:
    grouping = _grouping()
    _, first = _place(grouping, "a", 0)
    _, second = _place(grouping, "g", 90)
    part, event = _place(grouping, "p", 40)  # nearer the first event (0.58, the second 0.11)
    assert event == first
    # Its next report joins the part (22 degrees off) and draws it to 51 degrees: the first
    # event 0.08, the second 0.63.
    joined, _ = _place(grouping, "pp", 62)
    assert joined == part and weighed_again_at(2)
    assert grouping.due == {part}
    moves = grouping.regroup()
    assert moves == {part: (first, second)}
    assert grouping.event_of(part) == first  # decided, not applied yet
    grouping.apply(moves)
    assert grouping.event_of(part) == second and not grouping.due


def test_a_part_that_belongs_nowhere_stands_alone() -> None:
    grouping = _grouping()
    _, first = _place(grouping, "a", 0)
    part, _ = _place(grouping, "p", 40)
    _place(grouping, "pp", 62)
    assert grouping.regroup() == {part: (first, part)}  # an event of its own, named after it


def test_a_founder_left_behind_by_the_rest_of_its_event_stands_alone() -> None:
    grouping = _grouping()
    founder, first = _place(grouping, "a", 0)
    other, _ = _place(grouping, "b", 35)  # a part of its own, in the first event (0.80)
    for n, degrees in enumerate((40, 33)):
        _place(grouping, f"b{n}", degrees)  # it grows: 3 reports around 36 degrees
    grouping.apply(grouping.regroup())
    late, event = _place(grouping, "c", 62)  # near the grown part: the first event again
    assert event == first
    _place(grouping, "cc", 66)  # it grows too, away from the founding report
    parts, due = (founder, other, late), set(grouping.due)
    before = {p: grouping.event_of(p) for p in parts}, {e: set(grouping.parts_of(e)) for e in parts}
    # Clustered again: the two grown parts (0.87) join; the founding report scores 0.70
    # with the first, 0.00 with the second (average 0.47): it stays, alone, with its name.
    moves = grouping.regroup()
    assert moves == {other: (first, other), late: (first, other)}
    # Decided only: the map and what is due are as they were, the new event not there.
    after = {p: grouping.event_of(p) for p in parts}, {e: set(grouping.parts_of(e)) for e in parts}
    assert after == before and grouping.due == due
    grouping.apply(moves)
    assert grouping.parts_of(first) == {founder}
    assert grouping.parts_of(other) == {other, late}  # named after its largest part


def test_two_events_that_grew_together_become_one() -> None:
    grouping = _grouping()
    _, first = _place(grouping, "a", 0)
    part, second = _place(grouping, "b", 50)  # 0.11: an event of its own
    _place(grouping, "aa", 24)  # the first grows towards the second (0.68 now)
    moves = grouping.regroup()
    assert moves == {part: (second, first)}  # the one with more articles keeps its name


def test_an_events_founding_part_and_an_edited_events_parts_stay() -> None:
    grouping = _grouping()
    founder, first = _place(grouping, "a", 0)
    _place(grouping, "b", 30)
    assert _place(grouping, "aa", -15)[0] == founder  # it grows, with another part beside it
    assert founder in grouping.due
    assert grouping.regroup() == {}

    edited = _grouping()
    _, first = _place(edited, "a", 0)
    _place(edited, "g", 90)
    part, _ = _place(edited, "p", 40)
    edited.frozen.add(first)  # an editor corrected the first event
    _place(edited, "pp", 62)
    assert part in edited.due and edited.regroup() == {}


def test_parts_in_no_common_language_meet_at_the_models_own_cosine() -> None:
    """Across languages the regression undervalues two parts (no shared words); where their
    closest members reach the model's `cross_language_cosine`, that cosine is the score.
    The value depends on the embedding, so it comes with the model."""

    def events_apart(cross_language_cosine: float) -> bool:
        model = MatchModel.embedding_only(0.9)
        # The article's own cross-language rule out of the way: only the grouping decides.
        index = EventIndex(ClusterConfig(model=model, min_cosine=0.1, cross_language_cosine=1))
        by_centroid = replace(BY_CENTROID, cross_language_cosine=cross_language_cosine)
        grouping = PartGrouping(index, by_centroid)
        events = []
        for article_id, degrees, language in (("fr", 0, "fr"), ("en", 50, "en")):
            angle = np.radians(degrees)
            vector = np.array([np.cos(angle), np.sin(angle), 0.0], dtype=np.float32)
            item = ClusterItem(article_id, vector, T0, language=language)
            events.append(grouping.place(index.assign(item)).event_id)
        return events[0] != events[1]

    # Cosine 0.64: the regression alone gives 0.10.
    assert events_apart(0.7) and not events_apart(0.6)
