"""The desk's side of a correction, shared by the CLI and the dashboard: check it against
the store (an unknown id is refused before anything is sent), send it on the corrections
topic to the event stage, the single writer, and wait until the store shows it decided.

Nothing here writes the store: the stage applies the correction to its live index and to
the store in one transaction, and records it in the `corrections` table, which is what
this side waits for."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import CorrectionRejected, CorrectionTimeout
from pipeline.events.stage import preview
from pipeline.kafka.produce import send_records
from pipeline.settings import Settings
from pipeline.store import REJECTED, Store
from schemas.messages import Correction, CorrectionAction


def make_correction(
    action: CorrectionAction,
    *,
    event_id: str | None = None,
    from_event_id: str | None = None,
    article_ids: list[str] | tuple[str, ...] = (),
    by: str = "",
    note: str = "",
) -> Correction:
    """A new request: its own id, so that only a redelivery of it is taken for it."""
    return Correction.make(
        action,
        event_id=event_id,
        from_event_id=from_event_id,
        article_ids=list(article_ids),
        by=by,
        note=note,
        requested_at=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )


def submit(
    settings: Settings,
    store: Store,
    correction: Correction,
    *,
    timeout_s: float = 60.0,
    poll_s: float = 0.2,
) -> dict[str, Any]:
    """Check, send, and wait until the event stage recorded the correction; returns its
    record (`outcome`: applied or unchanged). Raises CorrectionRejected (unknown ids, or
    refused by the stage), CorrectionTimeout (no worker took it), BrokerError."""
    preview(store, correction)  # raises CorrectionRejected
    send_records(
        settings,
        settings.topic_corrections,
        [(correction.correction_id.encode(), correction.model_dump_json().encode())],
    )
    deadline = time.monotonic() + timeout_s
    while True:
        recorded = store.correction(correction.correction_id)
        if recorded is not None:
            if recorded["outcome"] == REJECTED:
                raise CorrectionRejected(recorded["detail"])
            return recorded
        if time.monotonic() > deadline:
            raise CorrectionTimeout(
                f"correction {correction.correction_id} was sent, but no worker applied it "
                f"within {timeout_s:.0f}s: is `wirewatch run` running? (it will be applied "
                "when one starts)"
            )
        time.sleep(poll_s)


def training_records(corrections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The applied corrections as labelled data: pairs of original articles an editor said
    are (`same_event`: true) or are not (false) about one happening, and the article an
    editor chose to show an event under. One record per correction, oldest first."""
    records = []
    for c in corrections:
        if c["outcome"] != "applied":
            continue
        evidence = c["evidence"]
        pairs: list[dict[str, Any]] = []
        if c["action"] == "merge":
            pairs = _pairs(evidence.get("into", []), evidence.get("from", []), True)
        elif c["action"] in ("move", "split"):
            moved = evidence.get("moved", [])
            pairs = _pairs(moved, evidence.get("left", []), False)
            pairs += _pairs(moved, evidence.get("joined", []), True)
            if c["action"] == "split":
                pairs += [p for p in _pairs(moved, moved, True) if p["a"] < p["b"]]
        record: dict[str, Any] = {
            "correction_id": c["correction_id"],
            "action": c["action"],
            "by": c["by"],
            "note": c["note"],
            "applied_at": c["applied_at"],
            "pairs": pairs,
        }
        if c["action"] in ("pin", "unpin"):
            record["headline"] = {"event_id": c["event_id"], "article_id": evidence.get("pinned")}
        records.append(record)
    return records


def _pairs(left: list[str], right: list[str], same: bool) -> list[dict[str, Any]]:
    return [{"a": a, "b": b, "same_event": same} for a in left for b in right if a != b]
