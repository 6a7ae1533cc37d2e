"""Kafka: the embedded Tansu broker, the one table of wirewatch's topics and their
creation, the watch that notices a broker which lost them, `wirewatch ingest`, and the
few records the desk sends (`produce`)."""

from pipeline.kafka.broker import EmbeddedBroker, free_port, port_open
from pipeline.kafka.ingest import IngestReport, ingest
from pipeline.kafka.produce import send_records
from pipeline.kafka.topics import TopicSpec, ensure_topics, topic_specs
from pipeline.kafka.watch import TopicWatch

__all__ = [
    "EmbeddedBroker",
    "IngestReport",
    "TopicSpec",
    "TopicWatch",
    "ensure_topics",
    "free_port",
    "ingest",
    "port_open",
    "send_records",
    "topic_specs",
]
