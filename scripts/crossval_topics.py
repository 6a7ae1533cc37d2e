"""Cross-validate the learned match score over topic halves, on every time variant.

    .venv/bin/python scripts/make_time_variants.py data/eval/ecbplus_dev.jsonl
    .venv/bin/python scripts/crossval_topics.py data/eval/variants

The ECB+ topics (each holding two events of one kind) are split into two halves, odd
and even in topic order. `wirewatch train`'s procedure (fit on the four time variants,
the event threshold chosen by the worst variant) runs on one half; the model it gives is then
replayed on each variant of the other half, which it never saw. If the figures hold up
there, the weights and the threshold are not fitted to the events they were learned on.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from pipeline.cli.eval import default_cache_dir, make_encoder
from pipeline.evaluation.replay import load_corpus, replay, score
from pipeline.evaluation.sweep import parse_values
from pipeline.evaluation.training import train
from pipeline.settings import Settings

VARIANTS = ("original", "twins_3h", "spread_5d", "no_time")
THRESHOLDS = parse_values("0.15:0.6:0.05")  # `wirewatch train`'s default grid


def halves(variant: Path, out: Path) -> list[Path]:
    rows = [json.loads(line) for line in variant.read_text(encoding="utf-8").splitlines()]
    topics = sorted({r["topic"] for r in rows}, key=lambda t: (len(t), t))
    files = []
    for n in (0, 1):
        mine = set(topics[n::2])
        file = out / f"half{n + 1}.{variant.name}"
        file.write_text("".join(json.dumps(r) + "\n" for r in rows if r["topic"] in mine))
        files.append(file)
    return files


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "data/eval/variants")
    settings = Settings()
    encoder = make_encoder(settings, default_cache_dir())
    with tempfile.TemporaryDirectory() as tmp:
        split = {v: halves(folder / f"ecbplus_dev.{v}.jsonl", Path(tmp)) for v in VARIANTS}
        for trained, held_out in ((0, 1), (1, 0)):
            model, _ = train(
                [split[v][trained] for v in VARIANTS], settings, encoder, thresholds=THRESHOLDS
            )
            file = Path(tmp) / f"model{trained}.json"
            model.save(file)
            run = settings.model_copy(update={"event_model": str(file)})
            chosen = model.grouping.threshold if model.grouping else model.threshold
            print(
                f"trained on half {trained + 1} (event threshold {chosen:g}), "
                f"scored on half {held_out + 1}:"
            )
            for v in VARIANTS:
                corpus = load_corpus(split[v][held_out])
                r = score(corpus, replay(corpus, run, encoder))
                print(
                    f"  {v:10} BCubed F1 {r.bcubed.f1:.3f}  pairwise P {r.pairwise.precision:.3f}"
                    f"  F1 {r.pairwise.f1:.3f}"
                )


if __name__ == "__main__":
    main()
