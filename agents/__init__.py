"""The faust agents: one module per stage, each a thin loop from a stream to its stage.

articles ─► dedup ─► <app>.deduped ─► embed ─► <app>.embedded ─► events
              └─► articles.dlq                  event-updates, alerts ◄─┘
                                                          alerts ─► webhook

The CLI assembles a worker from these modules' `attach` functions (`wirewatch run`),
those of the stages it runs (`WIREWATCH_STAGES`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from pipeline.settings import STAGES

if TYPE_CHECKING:
    from pipeline.runtime.app import Attach


def for_stages(stages: Collection[str]) -> list[Attach]:
    """The agents of these stages, in pipeline order. The desk's corrections and the
    webhook go with the event stage: corrections change its events, and its alerts are
    what the webhook sends."""
    from agents import dedup, embed, events, webhook

    agents = {
        "dedup": [dedup.attach],
        "embed": [embed.attach],
        "events": [events.attach, webhook.attach],
    }
    return [attach for stage in STAGES if stage in stages for attach in agents[stage]]
