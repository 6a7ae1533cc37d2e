"""Which alerts go to the webhook, and what the POST says. Pure logic: no I/O.

Triggers: `new_event` (an event opens), `source_joined` (every new source on an event),
`threshold` (the new source that brings an event to N sources). Filters: keywords in
the headline, the source that caused the alert, and the language of the article that
caused it (ISO 639-1, given or detected). An alert must match a trigger and
every filter that is set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.errors import ConfigurationError
from pipeline.language.codes import normalise_code
from pipeline.settings import Settings
from schemas.messages import Alert

TRIGGERS = ("new_event", "source_joined", "threshold")
MAX_RETRY_DELAY_S = 300.0


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str  # the trigger that matched, or why the alert is skipped


@dataclass(frozen=True)
class AlertRules:
    """The webhook settings as rules: which alert is posted, and when."""

    triggers: frozenset[str]
    threshold: int = 3
    keywords: tuple[str, ...] = ()
    sources: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertRules:
        triggers = frozenset(_items(settings.webhook_triggers))
        unknown = triggers - set(TRIGGERS)
        if unknown or not triggers:
            raise ConfigurationError(
                f"WIREWATCH_WEBHOOK_TRIGGERS={settings.webhook_triggers!r}: use a comma-"
                f"separated list of {', '.join(TRIGGERS)}"
            )
        return cls(
            triggers=triggers,
            threshold=settings.webhook_source_threshold,
            keywords=tuple(_items(settings.webhook_keywords)),
            sources=frozenset(s.casefold() for s in _items(settings.webhook_sources)),
            languages=_languages(settings.webhook_languages),
        )

    def decide(self, alert: Alert) -> Decision:
        reason = self._trigger(alert)
        if reason is None:
            return Decision(False, "no_trigger")
        if self.keywords and not any(_mentions(alert.headline, k) for k in self.keywords):
            return Decision(False, "keyword_filter")
        if self.sources and alert.source.casefold() not in self.sources:
            return Decision(False, "source_filter")
        if self.languages and alert.language not in self.languages:
            return Decision(False, "language_filter")
        return Decision(True, reason)

    def _trigger(self, alert: Alert) -> str | None:
        if alert.kind == "new_event":
            return "new_event" if "new_event" in self.triggers else None
        crossed = "threshold" in self.triggers and alert.source_count == self.threshold
        if crossed:
            return "threshold"
        return "source_joined" if "source_joined" in self.triggers else None


def _languages(value: str) -> frozenset[str]:
    codes = {item: normalise_code(item) for item in _items(value)}
    unknown = [item for item, code in codes.items() if code is None]
    if unknown:
        raise ConfigurationError(
            f"WIREWATCH_WEBHOOK_LANGUAGES: {', '.join(unknown)} is not a language code; "
            "use ISO 639-1 codes such as fr,en,de"
        )
    return frozenset(code for code in codes.values() if code)


def _mentions(headline: str, keyword: str) -> bool:
    """The keyword as a whole word or phrase, ignoring case."""
    pattern = rf"(?<!\w){re.escape(keyword)}(?!\w)"
    return re.search(pattern, headline, flags=re.IGNORECASE) is not None


def retry_delay(attempts: int, base_s: float) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped."""
    return min(base_s * 2 ** max(0, attempts - 1), MAX_RETRY_DELAY_S)


def rate_limited(last_post: datetime | None, now: datetime, min_interval_s: float) -> bool:
    """True while an event's last POST is too recent for another."""
    return last_post is not None and now - last_post < timedelta(seconds=min_interval_s)


def webhook_payload(alerts: Sequence[tuple[Alert, str]], sent_at: datetime) -> dict[str, Any]:
    """One POST: an event's pending alerts, oldest first, each with the trigger that
    matched. The event's summary is taken from the newest alert."""
    ordered = sorted(alerts, key=lambda pair: (pair[0].created_at, pair[0].source_count))
    latest = ordered[-1][0]
    return {
        "event_id": latest.event_id,
        "headline": latest.headline,
        "source_count": latest.source_count,
        "sources": latest.sources,
        "alerts": [
            {**alert.model_dump(mode="json"), "trigger": reason} for alert, reason in ordered
        ],
        "sent_at": sent_at.isoformat(),
    }
