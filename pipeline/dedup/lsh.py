"""MinHash LSH: the banding index that finds candidate near-duplicates in constant time.

The signature is cut into `bands` slices of `rows` values; two texts are candidates
when any slice is equal. The banding is datasketch's optimum for the threshold, so the
candidates are those `datasketch.MinHashLSH` would give; the keys are the slices' raw
64-bit hashes, computed once per signature for both the lookup and the insert (a
hash collision only adds a candidate, which the caller scores anyway). A bucket of one
item holds the item itself, not a list: most buckets hold one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from datasketch import MinHashLSH

# Odd multipliers that mix the rows of a band into one 64-bit key.
_ROW_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip


class BandIndex:
    """MinHash LSH banding: keys by band hash, and each key's band hashes for removal."""

    def __init__(self, threshold: float, num_perm: int) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError("the LSH threshold must be between 0 and 1")
        # datasketch's own choice of bands and rows for the threshold (equal weights on
        # false positives and negatives), read off an empty index of its.
        banding = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands, self.rows = banding.b, banding.r
        if self.rows > len(_ROW_MIX):
            raise ValueError(f"at most {len(_ROW_MIX)} rows per band; raise the threshold")
        self._mix = _ROW_MIX[: self.rows]
        self._tables: list[dict[int, str | list[str]]] = [{} for _ in range(self.bands)]

    def keys(self, signature: np.ndarray) -> list[int]:
        bands = signature[: self.bands * self.rows].reshape(self.bands, self.rows)
        return (bands.astype(np.uint64) * self._mix).sum(axis=1, dtype=np.uint64).tolist()

    def query(self, keys: list[int]) -> set[str]:
        found: set[str] = set()
        for table, key in zip(self._tables, keys, strict=True):
            bucket = table.get(key)
            if bucket is None:
                continue
            if isinstance(bucket, str):
                found.add(bucket)
            else:
                found.update(bucket)
        return found

    def insert(self, item: str, keys: list[int]) -> None:
        for table, key in zip(self._tables, keys, strict=True):
            bucket = table.get(key)
            if bucket is None:
                table[key] = item
            elif isinstance(bucket, str):
                table[key] = [bucket, item]
            else:
                bucket.append(item)

    def remove(self, item: str, keys: Iterable[int]) -> None:
        for table, key in zip(self._tables, keys, strict=True):
            bucket = table.get(key)
            if bucket == item:
                del table[key]
            elif isinstance(bucket, list) and item in bucket:
                bucket.remove(item)
                if len(bucket) == 1:
                    table[key] = bucket[0]
