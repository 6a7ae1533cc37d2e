"""An on-disk cache of embeddings, so that replays and sweeps embed each text once.

Keyed by the model's name and the SHA-256 of the exact text embedded; stored in one
SQLite file. The model is loaded only when a text is not in the cache.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipeline.embedding.codec import vector_bytes, vector_from_bytes
from pipeline.embedding.encoder import Encoder


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CachedEncoder:
    """An Encoder that looks texts up in the cache and embeds only the missing ones."""

    def __init__(self, model_name: str, load: Callable[[], Encoder], path: Path) -> None:
        self.name = model_name
        self._load = load
        self._inner: Encoder | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings "
            "(model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
        )
        self.hits = 0
        self.misses = 0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def inner(self) -> Encoder:
        if self._inner is None:
            self._inner = self._load()
        return self._inner

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        found = self._lookup(set(keys))
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            vectors = self.inner.encode([t for _, t in missing])
            rows = [
                (self.name, k, vector_bytes(v)) for (k, _), v in zip(missing, vectors, strict=True)
            ]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
            found.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        batch = list(keys)
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self._db.execute(
                f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({marks})",
                [self.name, *chunk],
            ):
                found[key] = vector_from_bytes(blob)
        return found

    def close(self) -> None:
        self._db.close()
