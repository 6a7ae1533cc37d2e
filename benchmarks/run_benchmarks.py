"""The benchmark matrix behind docs/performance.md, and its plot.

    python benchmarks/run_benchmarks.py sizes --sizes 500,1000,2000,4000
    python benchmarks/run_benchmarks.py one --articles 2000 --dup-share 0.0 --workers 2
    python benchmarks/run_benchmarks.py plot

Each run is `wirewatch bench` (the same code, in this process) and appends one JSON
line to benchmarks/results.jsonl with the run's label, the load average and the time;
`plot` draws throughput and latency against feed size from the `sizes` runs into
docs/performance.png. Check `uptime` first: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.bench.run import BenchConfig, render, run_bench, summary_json  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.jsonl"
PLOT = ROOT / "docs" / "performance.png"


def _progress(what: str, done: int, total: int) -> None:
    if done in (0, total):
        print(f"  {what}: {done}/{total}", file=sys.stderr, flush=True)


def run_one(label: str, model: str | None, **options: object) -> dict[str, object]:
    settings = Settings(**({"model": model} if model else {}))
    print(f"== {label} (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)
    result = run_bench(settings, BenchConfig(**options), _progress)  # type: ignore[arg-type]
    for line in render(result):
        print(line, flush=True)
    record = {"label": label, "at": time.strftime("%Y-%m-%d %H:%M:%S"), **summary_json(result)}
    with RESULTS.open("a") as out:
        out.write(json.dumps(record) + "\n")
    return record


def plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    sizes = sorted((r for r in rows if r["label"].startswith("size-")), key=lambda r: r["articles"])
    latest: dict[int, dict[str, object]] = {}
    for r in sizes:  # the latest run of each size
        latest[r["articles"]] = r
    xs = sorted(latest)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(xs, [latest[x]["pipeline_per_s"] for x in xs], "o-", label="pipeline, articles/s")
    left.plot(xs, [latest[x]["encode_per_s"] for x in xs], "s--", label="raw encode, texts/s")
    left.set_xlabel("feed size (articles, half wire copies)")
    left.set_ylabel("per second")
    left.set_title("Throughput")
    left.set_ylim(bottom=0)
    left.legend()
    for q, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
        right.plot(xs, [latest[x]["latency_ms"][q] for x in xs], style, label=q)
    right.set_xlabel("feed size (articles)")
    right.set_ylabel("ms, produce to event-update")
    right.set_title("Latency at half the measured throughput")
    right.set_ylim(bottom=0)
    right.legend()
    fig.suptitle("wirewatch bench, MiniLM, 1 worker, 2 cores")
    fig.tight_layout()
    PLOT.parent.mkdir(exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    print(f"wrote {PLOT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sizes = sub.add_parser("sizes", help="the feed sizes for the plot")
    sizes.add_argument("--sizes", default="500,1000,2000,4000")
    sizes.add_argument("--dup-share", type=float, default=0.5)
    one = sub.add_parser("one", help="one run")
    one.add_argument("--label")
    one.add_argument("--articles", type=int, default=2000)
    one.add_argument("--dup-share", type=float, default=0.5)
    one.add_argument("--workers", type=int, default=1)
    one.add_argument("--model")
    one.add_argument("--scale", default="")
    sub.add_parser("plot", help="draw docs/performance.png from the results")
    args = parser.parse_args()
    if args.command == "sizes":
        for n in (int(s) for s in args.sizes.split(",")):
            run_one(f"size-{n}", None, articles=n, dup_share=args.dup_share, scale_sizes=())
        plot()
    elif args.command == "one":
        label = args.label or (
            f"{args.model or 'minilm'}-{args.articles}-dup{args.dup_share}-w{args.workers}"
        )
        scale = tuple(int(s) for s in args.scale.split(",") if s.strip())
        run_one(label, args.model, articles=args.articles, dup_share=args.dup_share,
                workers=args.workers, scale_sizes=scale)  # fmt: skip
    else:
        plot()


if __name__ == "__main__":
    main()
