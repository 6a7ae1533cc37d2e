"""What `wirewatch eval` does and prints; the click command in cli.py only passes flags."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.cli.present import output_console
from pipeline.embedding.blend import BlendedEncoder, blend_parts
from pipeline.embedding.cache import CachedEncoder
from pipeline.embedding.encoder import Encoder, load_encoder, vectors_name
from pipeline.evaluation.replay import Corpus, Report, load_corpus, replay, score
from pipeline.evaluation.sweep import (
    DEFAULT_THRESHOLDS,
    best,
    parse_values,
    parse_vary,
    plot,
    run_sweep,
)
from pipeline.settings import Settings


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wirewatch"


def make_encoder(settings: Settings, cache_dir: Path | None) -> Encoder:
    return _cached(settings.model, settings.embed_batch_size, cache_dir)


def _cached(spec: str, batch_size: int, cache_dir: Path | None) -> Encoder:
    """The encoder of a spec; each model of a blend is cached on its own, so that another
    blend weight embeds nothing again."""
    if (parts := blend_parts(spec)) is not None:
        first, second, weight = parts
        return BlendedEncoder(
            _cached(first, batch_size, cache_dir), _cached(second, batch_size, cache_dir), weight
        )
    load = partial(load_encoder, spec, batch_size=batch_size)
    if cache_dir is None:
        return load()
    return CachedEncoder(vectors_name(spec), load, cache_dir / "embeddings.sqlite")


@contextmanager
def progress_bar(console: Console, total: int, label: str, quiet: bool) -> Iterator[Any]:
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def run_eval(
    corpus_path: Path,
    settings: Settings,
    *,
    label_field: str = "event_id",
    as_json: bool = False,
    through_broker: bool = False,
    sweep: bool = False,
    thresholds: str | None = None,
    vary: Sequence[str] = (),
    plot_path: Path = Path("sweep.png"),
    cache_dir: Path | None = None,
    quiet: bool = False,
) -> int:
    out = output_console()
    err = Console(stderr=True)
    if sweep and through_broker:
        raise ValueError("--sweep replays in process; it cannot go --through-broker")
    corpus = load_corpus(corpus_path, label_field)
    if sweep:
        grid = parse_vary(vary)
        values = parse_values(thresholds) if thresholds else list(DEFAULT_THRESHOLDS)
        runs = len(values) * max(1, _product(len(v) for v in grid.values()))
        encoder = make_encoder(settings, cache_dir)
        with progress_bar(err, runs * len(corpus), f"sweep ({runs} replays)", quiet) as tick:
            points = run_sweep(corpus, settings, encoder, values, grid, on_progress=tick)
        top = best(points)
        path = plot(
            points,
            plot_path,
            f"{corpus.name}: {len(corpus)} articles, {top.report.gold_events} events",
        )
        if as_json:
            out.print_json(
                json.dumps([{"settings": p.settings, **p.report.as_json()} for p in points])
            )
        else:
            _print_sweep(out, points, top)
            out.print(f"plot: {path}")
        return 0
    if through_broker:
        from pipeline.evaluation.through_broker import replay_through_broker

        with progress_bar(err, len(corpus), "through the broker", quiet) as tick:
            prediction = replay_through_broker(corpus, settings, on_progress=tick)
    else:
        encoder = make_encoder(settings, cache_dir)
        with progress_bar(err, len(corpus), "replay", quiet) as tick:
            prediction = replay(corpus, settings, encoder, on_progress=tick)
    report = score(corpus, prediction)
    if as_json:
        print(json.dumps(report.as_json()))
    else:
        print_report(out, corpus, report)
    return 0


def _product(sizes: Any) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


def print_report(console: Console, corpus: Corpus, report: Report) -> None:
    console.print(
        f"[bold]{corpus.name}[/bold]: {report.articles} articles, "
        f"{report.gold_events} gold events, {report.predicted_events} predicted; "
        f"{report.predicted_duplicates} articles flagged as copies"
        + (f" ({report.gold_duplicates} labelled)" if report.gold_duplicates is not None else "")
    )
    table = Table("", "precision", "recall", "F1")
    rows = [("events, BCubed", report.bcubed), ("events, pairwise", report.pairwise)]
    if report.cross_language is not None:
        rows.append(("pairwise across languages", report.cross_language))
    if report.duplicates is not None:
        rows.append(("near-duplicate pairs", report.duplicates))
    for name, s in rows:
        table.add_row(name, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}")
    console.print(table)
    if report.duplicates is None:
        console.print("near-duplicates: not labelled in this corpus (no duplicate_of field)")


def _print_sweep(console: Console, points: Sequence[Any], top: Any) -> None:
    names = list(points[0].settings)
    table = Table(
        *(n.removeprefix("event_") for n in names),
        "events",
        "B3 P",
        "B3 R",
        "B3 F1",
        "pair P",
        "pair R",
        "pair F1",
    )
    for p in points:
        r = p.report
        style = "bold green" if p is top else None
        table.add_row(
            *(f"{p.settings[n]:g}" for n in names),
            str(r.predicted_events),
            *(
                f"{v:.4f}"
                for v in (
                    r.bcubed.precision,
                    r.bcubed.recall,
                    r.bcubed.f1,
                    r.pairwise.precision,
                    r.pairwise.recall,
                    r.pairwise.f1,
                )
            ),
            style=style,
        )
    console.print(table)
    console.print("best BCubed F1: " + ", ".join(f"{k}={v:g}" for k, v in top.settings.items()))
