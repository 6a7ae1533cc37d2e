"""Event clustering: the live event index (embedding and word evidence, time prior),
word-overlap statistics learned from the stream, the event aggregates and the changes
they go through, the desk's corrections, and the event stage, single writer of events."""

from pipeline.events.corrections import Effect, EventFacts, decide, new_event_id
from pipeline.events.index import Assignment, ClusterConfig, ClusterItem, EventIndex
from pipeline.events.lexical import ArrayQuery, DocumentFrequencies, term_vector
from pipeline.events.stage import EventPlan, EventStage, Placed, Situation, preview
from pipeline.events.tracker import Change, EventState, record

__all__ = [
    "ArrayQuery",
    "Assignment",
    "Change",
    "ClusterConfig",
    "ClusterItem",
    "DocumentFrequencies",
    "Effect",
    "EventFacts",
    "EventIndex",
    "EventPlan",
    "EventStage",
    "EventState",
    "Placed",
    "Situation",
    "decide",
    "new_event_id",
    "preview",
    "record",
    "term_vector",
]
