"""The terminal side of the desk's corrections: `wirewatch merge`, `move`, `split`, `pin`,
`unpin` send one and say what it did; `wirewatch corrections` lists or exports them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from pipeline.errors import CorrectionRejected
from pipeline.newsroom.desk import submit, training_records
from pipeline.settings import Settings
from pipeline.store.store import Store
from schemas.messages import Correction

SAID = {
    "merge": "merged {from_event_id} into {result_event_id}",
    "move": "moved {articles} to {result_event_id}",
    "split": "split {articles} off {event_id} as {result_event_id}",
    "pin": "pinned {event_id} on {articles}",
    "unpin": "unpinned {event_id}",
}


def run_correction(
    settings: Settings, correction: Correction, timeout_s: float, as_json: bool
) -> None:
    store = Store(settings.database)
    store.create_schema()
    try:
        record = submit(settings, store, correction, timeout_s=timeout_s)
    except CorrectionRejected as exc:
        raise click.ClickException(f"correction refused: {exc}") from exc
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    said = SAID[record["action"]].format(articles=", ".join(record["article_ids"]), **record)
    if record["outcome"] == "unchanged":
        click.echo(f"nothing to change: already {said} ({record['correction_id']})")
    else:
        click.echo(f"{said} ({record['correction_id']}, by {record['by'] or 'anonymous'})")


def list_corrections(settings: Settings, as_json: bool, export: Path | None) -> None:
    store = Store(settings.database)
    store.create_schema()
    records = store.corrections_list()
    store.close()
    if export is not None:
        labelled = training_records(records)
        with export.open("w", encoding="utf-8") as out:
            for line in labelled:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        pairs = sum(len(r["pairs"]) for r in labelled)
        click.echo(f"wrote {len(labelled)} corrections ({pairs} labelled pairs) to {export}")
        return
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("No corrections yet.")
    for r in records:
        click.echo(_line(r))


def _line(r: dict[str, Any]) -> str:
    if r["outcome"] == "rejected":
        asked = [r["action"], r["event_id"], r["from_event_id"], *r["article_ids"]]
        said = "asked: " + " ".join(a for a in asked if a)
    else:
        said = SAID[r["action"]].format(articles=", ".join(r["article_ids"]), **r)
    note = f" — {r['note']}" if r["note"] else ""
    outcome = "" if r["outcome"] == "applied" else f" [{r['outcome']}: {r['detail']}]"
    return f"{r['applied_at'][:19]} {r['by'] or 'anonymous'}: {said}{note}{outcome}"
