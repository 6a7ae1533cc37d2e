"""Event clustering: the live event index (embedding and word evidence, time prior),
word-overlap statistics learned from the stream, the event aggregates and the changes
they go through, and the event stage, single writer of events."""

from pipeline.events.index import Assignment, ClusterConfig, ClusterItem, EventIndex
from pipeline.events.lexical import DocumentFrequencies, WeightedQuery, term_vector
from pipeline.events.stage import EventPlan, EventStage, Placed
from pipeline.events.tracker import Change, EventState, record

__all__ = [
    "Assignment",
    "Change",
    "ClusterConfig",
    "ClusterItem",
    "DocumentFrequencies",
    "EventIndex",
    "EventPlan",
    "EventStage",
    "EventState",
    "Placed",
    "WeightedQuery",
    "record",
    "term_vector",
]
