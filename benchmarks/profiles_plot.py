"""The profiles side by side: raw encode and end-to-end throughput, from `wirewatch
bench --json` outputs kept in benchmarks/profiles/ (one file per run), into
docs/profiles.png (log scale: the static lane is two orders of magnitude faster).

    WIREWATCH_MODEL=static wirewatch bench --articles 5000 --dup-share 0 --json \\
        > benchmarks/profiles/static_5000_dup0.json
    python benchmarks/profiles_plot.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "benchmarks" / "profiles"
PLOT = ROOT / "docs" / "profiles.png"
PROFILE_ORDER = {"use-m3": 0, "static": 1, "minilm-onnx-int8": 2, "minilm": 3}


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    runs = [json.loads(path.read_text()) for path in RUNS.glob("*.json")]
    runs.sort(key=lambda r: (PROFILE_ORDER.get(r["details"]["model"], 9), r["dup_share"]))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(runs)), 4.5))
    for i, run in enumerate(runs):
        ax.bar(i - 0.2, run["encode_per_s"], 0.4, color="tab:blue")
        ax.bar(i + 0.2, run["pipeline_per_s"], 0.4, color="tab:orange")
        reference = run.get("reference_encode_per_s")
        if reference:  # MiniLM's raw encode in the same run: what issue 16 compares with
            ax.hlines(reference, i - 0.45, i + 0.45, colors="black", linestyles="dashed")
            ax.annotate(
                f"{run['pipeline_per_s'] / reference:.1f}x MiniLM",
                (i + 0.2, run["pipeline_per_s"]),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    labels = [
        f"{r['details']['model']}, {r['articles']}\ncopies {r['dup_share']}, "
        f"load {r['details']['machine']['load_avg_before'][0]:.1f}"
        for r in runs
    ]
    ax.set_yscale("log")
    ax.set_xticks(range(len(runs)), labels, fontsize=8)
    ax.set_title("wirewatch bench, 2 cores")
    ax.legend(
        handles=[
            Patch(color="tab:blue", label="raw encode, texts/s"),
            Patch(color="tab:orange", label="pipeline end to end, articles/s"),
            Line2D([], [], color="black", linestyle="dashed", label="MiniLM raw encode, same run"),
        ],
        fontsize=8,
    )
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    print(PLOT)


if __name__ == "__main__":
    main()
