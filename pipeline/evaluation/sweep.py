"""`wirewatch eval --sweep`: the same replay over a grid of settings, as a table and a plot.

The grid is the event threshold crossed with any other settings given (`--vary
NAME=V1,V2`). Each point is a full replay of the corpus through the stages, so what the
table shows is what the pipeline would do with those settings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.embedding.encoder import Encoder
from pipeline.evaluation.replay import Corpus, Report, replay, score
from pipeline.settings import Settings

DEFAULT_THRESHOLDS = tuple(round(0.05 + 0.025 * n, 3) for n in range(15))  # 0.05 .. 0.40


@dataclass(frozen=True)
class SweepPoint:
    settings: dict[str, Any]  # the settings varied, by name
    report: Report


def parse_values(text: str) -> list[float]:
    """'0.3,0.4' or 'start:stop:step' (stop included)."""
    if ":" in text:
        start, stop, step = (float(x) for x in text.split(":"))
        count = round((stop - start) / step) + 1
        return [round(start + step * n, 6) for n in range(count)]
    return [float(x) for x in text.split(",") if x.strip()]


def parse_vary(items: Sequence[str]) -> dict[str, list[float]]:
    grid: dict[str, list[float]] = {}
    for item in items:
        name, _, values = item.partition("=")
        name = name.strip().lower().removeprefix("wirewatch_")
        if not values or name not in Settings.model_fields:
            raise ValueError(
                f"--vary {item!r}: expected SETTING=V1,V2 with a setting of "
                "pipeline/settings.py, e.g. event_time_weight=0,0.4"
            )
        grid[name] = parse_values(values)
    return grid


def run_sweep(
    corpus: Corpus,
    settings: Settings,
    encoder: Encoder,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    vary: dict[str, list[float]] | None = None,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> list[SweepPoint]:
    vary = vary or {}
    points = []
    names = list(vary)
    for combo in itertools.product(*(vary[n] for n in names)):
        for threshold in thresholds:
            values = {**dict(zip(names, combo, strict=True)), "event_threshold": threshold}
            run = settings.model_validate({**settings.model_dump(), **values})
            points.append(
                SweepPoint(
                    values, score(corpus, replay(corpus, run, encoder, on_progress=on_progress))
                )
            )
    return points


def best(points: Sequence[SweepPoint]) -> SweepPoint:
    return max(points, key=lambda p: (p.report.bcubed.f1, p.report.pairwise.f1))


def plot(points: Sequence[SweepPoint], path: Path, title: str) -> Path:
    """P/R/F1 (BCubed solid, pairwise dashed) against the threshold, one panel per
    combination of the other settings varied."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[tuple[tuple[str, Any], ...], list[SweepPoint]] = {}
    for p in points:
        key = tuple((k, v) for k, v in p.settings.items() if k != "event_threshold")
        groups.setdefault(key, []).append(p)
    cols = min(2, len(groups))
    rows = -(-len(groups) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(5.5 * cols, 3.8 * rows + 0.5), squeeze=False, sharey=True
    )
    for ax, (key, group) in zip(axes.flat, groups.items(), strict=False):
        group = sorted(group, key=lambda p: p.settings["event_threshold"])
        x = [p.settings["event_threshold"] for p in group]
        for name, color in (
            ("precision", "tab:blue"),
            ("recall", "tab:orange"),
            ("f1", "tab:green"),
        ):
            ax.plot(
                x,
                [getattr(p.report.bcubed, name) for p in group],
                color=color,
                marker="o",
                markersize=3,
                label=f"BCubed {name}",
            )
            ax.plot(
                x,
                [getattr(p.report.pairwise, name) for p in group],
                color=color,
                linestyle="--",
                label=f"pairwise {name}",
            )
        top = best(group)
        ax.axvline(top.settings["event_threshold"], color="grey", linewidth=0.8)
        ax.set_xlabel("event threshold")
        ax.set_title(
            ", ".join(f"{k}={v:g}" for k, v in key) or "other settings: as set", fontsize=9
        )
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(groups) :]:
        ax.set_visible(False)
    axes[0][0].set_ylabel("score")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
