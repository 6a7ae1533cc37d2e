"""The terminal side of `wirewatch bench`: progress on stderr, the figures on stdout."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline.bench.run import BenchConfig, render, run_bench, summary_json
from pipeline.settings import Settings


def run_bench_command(settings: Settings, as_json: bool, **options: Any) -> int:
    config = BenchConfig(**options)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
                if not console.is_terminal:
                    console.print(f"{what}...")
            bar.update(tasks[what], completed=done, total=total)

        result = run_bench(settings, config, progress)
    if as_json:
        sys.stdout.write(json.dumps(summary_json(result)) + "\n")
    else:
        for line in render(result):
            sys.stdout.write(line + "\n")
    return 0
