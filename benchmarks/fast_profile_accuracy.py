"""What the fast profile costs in accuracy: the evaluation harness (`wirewatch eval`) run
with the standard MiniLM and with `minilm-onnx-int8` on the same corpus, side by side,
plus how far the int8 vectors move from the standard ones.

    python benchmarks/fast_profile_accuracy.py [data/eval/ecbplus_dev.jsonl]

Every other setting is the default (or what the WIREWATCH_* environment says).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.embedding.cache import CachedEncoder  # noqa: E402
from pipeline.embedding.encoder import embedding_text, load_encoder  # noqa: E402
from pipeline.evaluation.replay import load_corpus, replay, score  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

DEFAULT = ROOT / "data/eval/ecbplus_dev.jsonl"
MODELS = ("minilm", "minilm-onnx-int8")


def main() -> None:
    corpus = load_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
    vectors = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        for spec in MODELS:
            settings = Settings(model=spec)
            encoder = load_encoder(spec, batch_size=settings.embed_batch_size)
            # Each text is embedded once: timed here, then read from the cache by the replay.
            cached = CachedEncoder(spec, lambda e=encoder: e, Path(cache_dir) / "cache.sqlite")
            texts = [
                embedding_text(r.get("title"), r["body"], settings.embed_max_chars)
                for r in corpus.messages
            ]
            started = time.perf_counter()
            vectors[spec] = cached.encode(texts)
            rate = len(texts) / (time.perf_counter() - started)
            report = score(corpus, replay(corpus, settings, cached))
            b, p = report.bcubed, report.pairwise
            print(
                f"{spec:18s} BCubed P {b.precision:.3f} R {b.recall:.3f} F1 {b.f1:.3f}; "
                f"pairwise P {p.precision:.3f} R {p.recall:.3f} F1 {p.f1:.3f}; "
                f"{report.predicted_events} events ({report.gold_events} gold); "
                f"{rate:.1f} texts/s"
            )
    a, b = (vectors[spec] for spec in MODELS)
    pairs = np.triu_indices(len(a), 1)
    moved = np.abs((a @ a.T)[pairs] - (b @ b.T)[pairs])
    print(
        f"cosine of each int8 vector to its standard one: mean {(a * b).sum(1).mean():.4f}, "
        f"lowest {(a * b).sum(1).min():.4f}; pairwise similarity moved by "
        f"{moved.mean():.4f} on average, {moved.max():.4f} at most ({corpus.name}, {len(a)} texts)"
    )


if __name__ == "__main__":
    main()
