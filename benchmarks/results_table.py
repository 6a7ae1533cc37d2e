"""benchmarks/results.jsonl as a Markdown table (the one in docs/performance.md)."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.jsonl"


def main() -> None:
    print(
        "| run | articles | copies | workers x lanes | raw encode /s | pipeline /s | ratio "
        "| ratio in CPU time | dedup alone /s | events alone /s | p50 / p95 / p99 ms "
        "| peak RSS MB | load before / after |"
    )
    print("|" + " --- |" * 13)
    for line in RESULTS.read_text().splitlines():
        r = json.loads(line)
        d = r["details"]
        lat = r["latency_ms"]
        load = d["machine"]
        print(
            f"| {r['label']} | {r['articles']} | {r['dup_share']:.0%} "
            f"| {d['workers']} x {d['worker_lanes']} | {r['encode_per_s']:.1f} "
            f"| {r['pipeline_per_s']:.1f} | **{r['ratio']:.2f}x** | {d['cpu_ratio']:.2f}x "
            f"| {r['dedup_per_s']:.0f} | {d['events_per_s']:.0f} "
            f"| {lat['p50']:.0f} / {lat['p95']:.0f} / {lat['p99']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {load['load_avg_before'][0]:.2f} / "
            f"{load['load_avg'][0]:.2f} |"
        )
    for line in RESULTS.read_text().splitlines():
        r = json.loads(line)
        if r["details"]["scale"]:
            print(f"\nMatching cost against history ({r['label']}):\n")
            print("| stored articles | live articles | live events | dedup us/article "
                  "| event matching us/article |")  # fmt: skip
            print("|" + " --- |" * 5)
            for row in r["details"]["scale"]:
                print(
                    f"| {row['stored']:,} | {row['live_articles']:,} | {row['live_events']:,} "
                    f"| {row['dedup_us']:.0f} | {row['events_us']:.0f} |"
                )


if __name__ == "__main__":
    main()
