"""Event clusters as a readable table for the terminal."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def output_console() -> Console:
    """The terminal's width, or 120 columns when printing to a file or a pipe (where
    rich would assume 80 and squeeze tables into a column of words)."""
    return Console(width=None if sys.stdout.isatty() else 120)


def print_events(events: list[dict[str, Any]], console: Console | None = None) -> None:
    console = console or output_console()
    if not events:
        console.print("No events stored yet.")
        return
    for event in events:
        table = Table(
            title=Text(event["headline"], style="bold"),
            caption=(
                f"{event['event_id']} · {_count(event['article_count'], 'article')} "
                f"({_count(event['duplicate_count'], 'copy', 'copies')}) · "
                f"{_count(event['source_count'], 'source')} · "
                f"{event['first_seen'][:16]} → {event['last_seen'][:16]}"
                + (
                    f" · headline pinned on {pinned}"
                    if (pinned := event.get("pinned_article_id"))
                    else ""
                )
            ),
            title_justify="left",
            caption_justify="left",
            expand=False,
        )
        table.add_column("published", no_wrap=True)
        table.add_column("source")
        table.add_column("article")
        table.add_column("copy of")
        table.add_column("score", justify="right")
        for article in event["articles"]:
            score = article["similarity"]
            table.add_row(
                article["published_at"][:16].replace("T", " "),
                # Text, not markup: what came from the feed is shown as it is.
                Text(article["source"]),
                Text(article["title"])
                if article["title"]
                else Text(article["lead"] or article["id"], style="italic"),
                Text(article["duplicate_of"] or ""),
                f"{score:.2f}" if score is not None else "",
                style="dim" if article["duplicate_of"] else None,
            )
        console.print(table)
        console.print()
    console.print(f"{_count(len(events), 'event')}.")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
