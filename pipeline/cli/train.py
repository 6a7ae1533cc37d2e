"""What `wirewatch train` does and prints; the click command in main.py only passes flags."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.cli.eval import default_cache_dir, make_encoder, progress_bar
from pipeline.cli.present import output_console
from pipeline.evaluation.sweep import parse_values
from pipeline.evaluation.training import train
from pipeline.events.model import CROSS_LANGUAGE_COSINE
from pipeline.settings import Settings


def run_train(
    corpora: list[Path],
    out: Path,
    settings: Settings,
    *,
    label_field: str,
    group_field: str,
    thresholds: str,
    checks: list[Path],
    c: float,
    cross_language_cosine: float | None,
    quiet: bool,
    command: str,
) -> None:
    console = output_console()
    grid = parse_values(thresholds) if thresholds.strip() else []
    encoder = make_encoder(settings, default_cache_dir())
    total = sum(
        sum(1 for line in p.open(encoding="utf-8") if line.strip()) for p in [*corpora, *checks]
    )
    with progress_bar(
        Console(stderr=True), total * len(grid), "choosing the threshold", quiet
    ) as tick:
        model, rows = train(
            corpora,
            settings,
            encoder,
            label_field=label_field,
            group_field=group_field,
            thresholds=grid,
            checks=checks,
            c=c,
            cross_language_cosine=(
                CROSS_LANGUAGE_COSINE if cross_language_cosine is None else cross_language_cosine
            ),
            command=command,
            on_progress=tick,
        )
    model.save(out)
    weights = ", ".join(f"{k} {v:+.3f}" for k, v in model.coefficients.items())
    console.print(f"article weights: {weights}; intercept {model.intercept:+.3f}")
    console.print(f"cross-validation by {group_field}: {model.info['cross_validation']}")
    grouping = model.grouping
    if grouping is not None:
        weights = ", ".join(f"{k} {v:+.3f}" for k, v in grouping.coefficients.items())
        console.print(f"part weights: {weights}; intercept {grouping.intercept:+.3f}")
        console.print(
            f"cross-validation by {group_field}: {model.info['grouping_cross_validation']}"
        )
    chosen = grouping.threshold if grouping is not None else model.threshold
    if rows:
        names = list(rows[0].reports)
        table = Table("threshold", *names, "worst")
        for row in rows:
            style = "bold green" if row.threshold == chosen else None
            cells = [
                f"{r.bcubed.f1:.3f} / {r.pairwise.precision:.3f} / {r.pairwise.f1:.3f}"
                for r in row.reports.values()
            ]
            table.add_row(f"{row.threshold:g}", *cells, f"{row.worst:.3f}", style=style)
        console.print("BCubed F1 / pairwise P / pairwise F1 of each corpus (worst: their lowest):")
        console.print(table)
    console.print(
        f"part threshold {model.threshold:g}, event threshold {chosen:g}; model written to {out}"
    )
