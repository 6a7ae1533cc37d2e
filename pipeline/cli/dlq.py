"""`wirewatch dlq`: the dead-letter topic as a person reads it, or as JSON lines; and its
originals sent back to be taken again (`--requeue`, pipeline/kafka/requeue.py), which the
store records, so that the listing says what went back and a dead letter goes back once."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from pipeline.cli.present import output_console
from pipeline.errors import WirewatchError
from pipeline.kafka.deadletters import DeadLetterRecord, read_dead_letters
from pipeline.kafka.produce import send_records
from pipeline.kafka.requeue import Requeue, letter_key, requeue_of
from pipeline.kafka.topics import consumed_topics
from pipeline.settings import Settings
from pipeline.store.store import Store, open_existing

UNREADABLE = "unreadable"  # the reason shown for a message that is no DeadLetter
SentBack = dict[str, tuple[str, datetime]]  # by `letter_key`: where to, and when


def as_json(record: DeadLetterRecord, sent_back: SentBack) -> dict[str, Any]:
    """The dead letter's fields, with the article id, the start of the original, and where
    and when `--requeue` sent it back (null: not sent back)."""
    letter = record.letter
    topic, at = sent_back.get(letter_key(record.raw), (None, None))
    where = {
        "dlq_partition": record.partition,
        "dlq_offset": record.offset,
        "requeued_to": topic,
        "requeued_at": at.isoformat() if at else None,
    }
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


def print_record(console: Console, record: DeadLetterRecord, sent_back: SentBack) -> None:
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
    if (went := sent_back.get(letter_key(record.raw))) is not None:
        console.print(Text(f"  sent back to {went[0]} {went[1]:%Y-%m-%d %H:%M:%SZ}", style="green"))


def run_dlq(
    settings: Settings,
    *,
    as_json_lines: bool,
    follow: bool,
    reasons: Collection[str],
    articles: Collection[str] = (),
    requeue: bool = False,
    again: bool = False,
) -> int:
    console = output_console()
    chosen = (
        record
        for record in read_dead_letters(settings, follow=follow)
        if (not reasons or _reason(record) in reasons)
        and (not articles or (record.letter is not None and record.letter.article_id() in articles))
    )
    if requeue:
        # Where the requeues are recorded must answer before anything is sent.
        store = open_existing(settings.database)
        try:
            return _requeue(settings, store, list(chosen), console, as_json_lines, again)
        finally:
            store.close()
    sent_back, unknown = _sent_back(settings)
    if unknown:  # said first: with --follow there is no end to say it at
        print(f"which were sent back is not shown: {unknown}", file=sys.stderr)
    shown = 0
    for record in chosen:
        shown += 1
        if as_json_lines:
            print(json.dumps(as_json(record, sent_back), ensure_ascii=False), flush=True)
        else:
            print_record(console, record, sent_back)
    if not as_json_lines:
        console.print(f"{shown} dead letter{'s' if shown != 1 else ''} on {settings.topic_dlq}.")
    return 0


def _sent_back(settings: Settings) -> tuple[SentBack, str | None]:
    """What `--requeue` sent back, or why that cannot be read: the listing goes on without."""
    try:
        store = open_existing(settings.database)
    except WirewatchError as exc:
        return {}, str(exc)
    try:
        return store.requeued(), None
    except WirewatchError as exc:
        return {}, str(exc)
    finally:
        store.close()


def _reason(record: DeadLetterRecord) -> str:
    return record.letter.reason if record.letter else UNREADABLE


def _requeue(
    settings: Settings,
    store: Store,
    records: Iterable[DeadLetterRecord],
    console: Console,
    as_json_lines: bool,
    again: bool,
) -> int:
    """Send each original back to its topic, record it, then say what went where and what
    stayed."""
    topics = consumed_topics(settings)
    sent_before = {} if again else store.requeued()
    planned = [
        (record, requeue_of(record.letter, topics, sent_before.get(letter_key(record.raw))))
        for record in records
    ]
    outgoing: dict[str, list[tuple[bytes | None, bytes]]] = defaultdict(list)
    for _, plan in planned:
        if isinstance(plan, Requeue):
            outgoing[plan.topic].append((plan.key, plan.value))
    for topic, messages in outgoing.items():
        send_records(settings, topic, messages)
    # Recorded once the broker has them: a record of what was not sent would keep it.
    now = datetime.now(UTC)
    store.record_requeues(
        [
            {
                "letter_key": letter_key(record.raw),
                "article_id": record.letter.article_id() if record.letter else None,
                "requeued_to": plan.topic,
                "requeued_at": now,
            }
            for record, plan in planned
            if isinstance(plan, Requeue)
        ]
    )
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
