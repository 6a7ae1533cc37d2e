"""`wirewatch dlq`: the dead-letter topic as a person reads it, or as JSON lines."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from rich.console import Console
from rich.text import Text

from pipeline.cli.present import output_console
from pipeline.kafka.deadletters import DeadLetterRecord, read_dead_letters
from pipeline.settings import Settings

UNREADABLE = "unreadable"  # the reason shown for a message that is no DeadLetter


def as_json(record: DeadLetterRecord) -> dict[str, Any]:
    """The dead letter's fields, with the article id and the start of the original."""
    letter = record.letter
    where = {"dlq_partition": record.partition, "dlq_offset": record.offset}
    if letter is None:
        head = record.raw[:400].decode(errors="replace")
        return {"reason": UNREADABLE, "detail": "not a dead letter record", **where,
                "article_id": None, "original_head": head}  # fmt: skip
    return {
        **letter.model_dump(mode="json"),
        **where,
        "article_id": letter.article_id(),
        "original_head": letter.head(400),
    }


def print_record(console: Console, record: DeadLetterRecord) -> None:
    letter = record.letter
    if letter is None:
        console.print(Text(f"offset {record.offset}  {UNREADABLE}", style="bold red"))
        console.print(Text(f"  {record.raw[:100].decode(errors='replace')}"))
        return
    article = letter.article_id()
    when = letter.received_at.strftime("%Y-%m-%d %H:%M:%SZ")
    title = Text(f"{when}  ")
    title.append(letter.reason, style="bold red")
    title.append(f"  article {article}" if article else "  (no article id)")
    console.print(title)
    console.print(Text(f"  {letter.detail}"))
    kept = f", first {len(letter.original_bytes()):,} kept" if letter.truncated else ""
    console.print(Text(f"  original ({letter.original_size:,} bytes{kept}): ", style="dim"), end="")
    console.print(Text(letter.head(100) + ("…" if letter.original_size > 100 else "")))


def run_dlq(
    settings: Settings, *, as_json_lines: bool, follow: bool, reasons: Collection[str]
) -> int:
    console = output_console()
    shown = 0
    for record in read_dead_letters(settings, follow=follow):
        reason = record.letter.reason if record.letter else UNREADABLE
        if reasons and reason not in reasons:
            continue
        shown += 1
        if as_json_lines:
            print(json.dumps(as_json(record), ensure_ascii=False), flush=True)
        else:
            print_record(console, record)
    if not as_json_lines:
        console.print(f"{shown} dead letter{'s' if shown != 1 else ''} on {settings.topic_dlq}.")
    return 0
