"""`wirewatch dlq`: the dead-letter topic as a person reads it, or as JSON lines; and its
originals sent back to be taken again (`--requeue`, pipeline/kafka/requeue.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from rich.console import Console
from rich.text import Text

from pipeline.cli.present import output_console
from pipeline.kafka.deadletters import DeadLetterRecord, read_dead_letters
from pipeline.kafka.produce import send_records
from pipeline.kafka.requeue import Requeue, requeue_of
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
    settings: Settings,
    *,
    as_json_lines: bool,
    follow: bool,
    reasons: Collection[str],
    articles: Collection[str] = (),
    requeue: bool = False,
) -> int:
    console = output_console()
    chosen = (
        record
        for record in read_dead_letters(settings, follow=follow)
        if (not reasons or _reason(record) in reasons)
        and (not articles or (record.letter is not None and record.letter.article_id() in articles))
    )
    if requeue:
        return _requeue(settings, list(chosen), console, as_json_lines)
    shown = 0
    for record in chosen:
        shown += 1
        if as_json_lines:
            print(json.dumps(as_json(record), ensure_ascii=False), flush=True)
        else:
            print_record(console, record)
    if not as_json_lines:
        console.print(f"{shown} dead letter{'s' if shown != 1 else ''} on {settings.topic_dlq}.")
    return 0


def _reason(record: DeadLetterRecord) -> str:
    return record.letter.reason if record.letter else UNREADABLE


def _requeue(
    settings: Settings, records: Iterable[DeadLetterRecord], console: Console, as_json_lines: bool
) -> int:
    """Send each original back to its topic, then say what went where and what stayed."""
    topics = {
        settings.topic_articles,
        settings.topic_deduped,
        settings.topic_embedded,
        settings.topic_corrections,
    }
    planned = [(record, requeue_of(record.letter, topics)) for record in records]
    outgoing: dict[str, list[tuple[bytes | None, bytes]]] = defaultdict(list)
    for _, plan in planned:
        if isinstance(plan, Requeue):
            outgoing[plan.topic].append((plan.key, plan.value))
    for topic, messages in outgoing.items():
        send_records(settings, topic, messages)
    for record, plan in planned:
        article = record.letter.article_id() if record.letter else None
        if as_json_lines:
            line = {
                "dlq_partition": record.partition,
                "dlq_offset": record.offset,
                "reason": _reason(record),
                "article_id": article,
                "requeued_to": plan.topic if isinstance(plan, Requeue) else None,
                "kept": None if isinstance(plan, Requeue) else plan,
            }
            print(json.dumps(line, ensure_ascii=False), flush=True)
            continue
        what = f"offset {record.offset}  {_reason(record)}  article {article or '(no id)'}"
        if isinstance(plan, Requeue):
            console.print(Text(f"requeued to {plan.topic}: {what}"))
        else:
            console.print(Text(f"kept: {what}: {plan}", style="yellow"))
    if not as_json_lines:
        sent = sum(len(messages) for messages in outgoing.values())
        kept = len(planned) - sent
        console.print(
            f"{sent} original{'s' if sent != 1 else ''} sent back"
            + (f", {kept} kept (see above)" if kept else "")
            + f"; the dead letters stay on {settings.topic_dlq}."
        )
    return 0
