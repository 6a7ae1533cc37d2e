"""Cross-validate the event-matching settings over topic halves of a labelled corpus.

    .venv/bin/python scripts/crossval_topics.py data/eval/ecbplus_dev.jsonl

The ECB+ topics (each holding two events of one kind) are split into two halves, odd
and even in topic order. The settings that score best (BCubed F1) on one half are
scored on the other: if they hold up on the half they never saw, they are not fitted
to the events they were chosen on. The grid is small on purpose.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from pipeline.cli.eval import default_cache_dir, make_encoder
from pipeline.evaluation.replay import load_corpus
from pipeline.evaluation.sweep import SweepPoint, best, run_sweep
from pipeline.settings import Settings

THRESHOLDS = [0.35, 0.4, 0.45, 0.5]
VARY = {"event_lexical_weight": [0.0, 0.2, 0.3], "event_time_weight": [0.0, 0.4, 0.5]}


def halves(path: Path, out: Path) -> list[Path]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    topics = sorted({r["topic"] for r in rows}, key=lambda t: (len(t), t))
    files = []
    for n in (0, 1):
        mine = set(topics[n::2])
        file = out / f"half{n + 1}.jsonl"
        file.write_text("".join(json.dumps(r) + "\n" for r in rows if r["topic"] in mine))
        files.append(file)
    return files


def describe(point: SweepPoint) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in point.settings.items())


def main() -> None:
    corpus_path = Path(sys.argv[1] if len(sys.argv) > 1 else "data/eval/ecbplus_dev.jsonl")
    settings = Settings()
    encoder = make_encoder(settings, default_cache_dir())
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for file in halves(corpus_path, Path(tmp)):
            corpus = load_corpus(file)
            results.append(run_sweep(corpus, settings, encoder, THRESHOLDS, VARY))
    for n, (tuned, held_out) in enumerate([(0, 1), (1, 0)]):
        chosen = best(results[tuned])
        twin = next(p for p in results[held_out] if p.settings == chosen.settings)
        oracle = best(results[held_out])
        print(f"tuned on half {tuned + 1}: {describe(chosen)}")
        print(
            f"  half {tuned + 1} (seen):     BCubed F1 {chosen.report.bcubed.f1:.4f}, "
            f"pairwise F1 {chosen.report.pairwise.f1:.4f}"
        )
        print(
            f"  half {held_out + 1} (held out): BCubed F1 {twin.report.bcubed.f1:.4f}, "
            f"pairwise F1 {twin.report.pairwise.f1:.4f}  "
            f"(best possible there: {oracle.report.bcubed.f1:.4f})"
        )
        if n == 0:
            print()
    defaults = {
        "event_lexical_weight": settings.event_lexical_weight,
        "event_time_weight": settings.event_time_weight,
        "event_threshold": settings.event_threshold,
    }
    for n, points in enumerate(results, 1):
        match = [p for p in points if p.settings == defaults]
        if match:
            r = match[0].report
            print(
                f"defaults on half {n}: BCubed F1 {r.bcubed.f1:.4f}, "
                f"pairwise F1 {r.pairwise.f1:.4f}"
            )


if __name__ == "__main__":
    main()
