"""What the fast profile costs in accuracy: event clustering with the standard MiniLM
and with `minilm-onnx-int8`, side by side, on the same texts.

    python benchmarks/fast_profile_accuracy.py [/work/shared/data/eval/ecbplus_dev.jsonl]

A labelled corpus (JSON Lines with `event_id`; ECB+ dev by default) is replayed in
`published_at` order through the event index the pipeline uses (the same threshold);
BCubed precision, recall and F1 are computed against the gold events. The bundled seed
articles (five independent reports of one event) are checked too. `wirewatch eval`
(issue 4) is the full harness; this script only compares the two encoders.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.clustering import ClusterConfig, ClusterItem, EventIndex  # noqa: E402
from pipeline.encoder import embedding_text, load_encoder  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

DEFAULT = Path("/work/shared/data/eval/ecbplus_dev.jsonl")


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, cluster in predicted.items():
        by_pred[cluster].add(item)
    for item, cluster in gold.items():
        by_gold[cluster].add(item)
    p = r = 0.0
    for item in gold:
        mine, truth = by_pred[predicted[item]], by_gold[gold[item]]
        both = len(mine & truth)
        p += both / len(mine)
        r += both / len(truth)
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r)


def replay(rows: list[dict], vectors: np.ndarray, threshold: float) -> dict[str, str]:
    index = EventIndex(ClusterConfig(threshold=threshold))
    placed = {}
    for row, vector in zip(rows, vectors, strict=True):
        at = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
        item = ClusterItem(row["id"], vector, at, row.get("title"), row["body"])
        placed[row["id"]] = index.assign(item).event_id
    return placed


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    settings = Settings()
    rows = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: r["published_at"])
    gold = {r["id"]: r["event_id"] for r in rows}
    seed = [json.loads(x) for x in (ROOT / "pipeline/data/seed_articles.jsonl").open()]
    texts = [embedding_text(r.get("title"), r["body"], settings.embed_max_chars) for r in rows]
    seed_texts = [embedding_text(r.get("title"), r["body"]) for r in seed]
    results = {}
    for spec in ("minilm", "minilm-onnx-int8"):
        encoder = load_encoder(spec, batch_size=settings.embed_batch_size)
        encoder.encode(texts[:32])
        started = time.perf_counter()
        vectors = encoder.encode(texts)
        rate = len(texts) / (time.perf_counter() - started)
        p, r, f = bcubed(replay(rows, vectors, settings.event_threshold), gold)
        seed_vectors = encoder.encode(seed_texts)
        sims = seed_vectors @ seed_vectors.T
        seed_events = len(set(replay(seed, seed_vectors, settings.event_threshold).values()))
        results[spec] = vectors
        print(
            f"{spec:18s} BCubed P {p:.3f} R {r:.3f} F1 {f:.3f}; {rate:.1f} texts/s; "
            f"seed articles: {seed_events} event(s), lowest cosine "
            f"{sims[np.triu_indices(len(seed), 1)].min():.3f}"
        )
    a, b = results["minilm"], results["minilm-onnx-int8"]
    pairs = np.triu_indices(len(a), 1)
    diff = np.abs((a @ a.T)[pairs] - (b @ b.T)[pairs])
    print(
        f"cosine of each int8 vector to its standard one: mean {(a * b).sum(1).mean():.4f}, "
        f"lowest {(a * b).sum(1).min():.4f}; pairwise similarity moved by "
        f"{diff.mean():.4f} on average, {diff.max():.4f} at most ({corpus.name}, {len(a)} texts)"
    )


if __name__ == "__main__":
    main()
