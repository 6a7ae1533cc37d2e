"""Kafka: the embedded Tansu broker (and, detached, the one `wirewatch run` shares and
outlives), the one table of wirewatch's topics and their creation, the watch that
notices a broker which lost them, the one that notices a consumer which stopped reading,
`wirewatch ingest`, the dead-letter reader, and the
few records the desk sends (`send_records`)."""

from pipeline.kafka.broker import EmbeddedBroker, free_port, port_open
from pipeline.kafka.deadletters import DeadLetterRecord, read_dead_letters
from pipeline.kafka.detached import DetachedBroker
from pipeline.kafka.ingest import IngestReport, ingest
from pipeline.kafka.produce import send_records
from pipeline.kafka.stall import StallWatch
from pipeline.kafka.topics import TopicSpec, ensure_topics, topic_specs
from pipeline.kafka.watch import TopicWatch

__all__ = [
    "DeadLetterRecord",
    "DetachedBroker",
    "EmbeddedBroker",
    "IngestReport",
    "StallWatch",
    "TopicSpec",
    "TopicWatch",
    "ensure_topics",
    "free_port",
    "ingest",
    "port_open",
    "read_dead_letters",
    "send_records",
    "topic_specs",
]
