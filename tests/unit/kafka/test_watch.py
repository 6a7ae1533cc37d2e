"""The topic watch of a worker that runs its broker itself: a dead broker has lost every
topic, without a look at the network (a broker that restarts under a watch:
tests/integration/test_broker_recovery.py)."""

from __future__ import annotations

from pipeline.kafka.watch import TopicWatch
from pipeline.settings import Settings


def test_topic_watch_of_a_broker_this_process_runs() -> None:
    settings = Settings(bootstrap_servers="127.0.0.1:1", app_id="watched")
    watch = TopicWatch(settings, on_lost=print, broker_alive=lambda: False)
    assert watch.lost() == watch.names
