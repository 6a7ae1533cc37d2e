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


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, encode, pipeline = [], [], []
    for path in sorted(RUNS.glob("*.json")):
        run = json.loads(path.read_text())
        details = run["details"]
        load = details["machine"]["load_avg_before"][0]
        share = run["dup_share"]
        split = " split" if len(details.get("worker_stages", [])) > 1 else ""
        labels.append(
            f"{details['model']}{split}, {run['articles']}\ncopies {share}, load {load:.1f}"
        )
        encode.append(run["encode_per_s"])
        pipeline.append(run["pipeline_per_s"])
        if run.get("reference_encode_per_s"):
            labels.append(f"minilm (same run)\n{details['reference']['texts']} texts")
            encode.append(run["reference_encode_per_s"])
            pipeline.append(0.0)
    x = range(len(labels))
    fig, ax = plt.subplots(figsize=(max(6, 2 * len(labels)), 4))
    ax.bar([i - 0.2 for i in x], encode, 0.4, label="raw encode, texts/s")
    ax.bar([i + 0.2 for i in x], pipeline, 0.4, label="pipeline end to end, articles/s")
    ax.set_yscale("log")
    ax.set_xticks(list(x), labels, fontsize=8)
    ax.set_title("wirewatch bench, 2 shared cores")
    ax.legend()
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    print(PLOT)


if __name__ == "__main__":
    main()
