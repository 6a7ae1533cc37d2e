"""The one encoding of an embedding: float32, little-endian bytes in the store and in the
cache, the same bytes base64 in JSON records on the topics."""

from __future__ import annotations

import base64

import numpy as np


def vector_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


def pack_vector(vector: np.ndarray) -> str:
    return base64.b64encode(vector_bytes(vector)).decode()


def unpack_vector(packed: str | bytes) -> np.ndarray:
    return vector_from_bytes(base64.b64decode(packed))
