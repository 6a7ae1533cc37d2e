"""pipeline/embedding/codec.py: the one encoding of a vector, float32 little-endian bytes,
base64 in JSON records; every round trip gives back the very same floats."""

from __future__ import annotations

import base64
import struct

import numpy as np

from pipeline.embedding.codec import pack_vector, unpack_vector, vector_bytes, vector_from_bytes
from schemas.messages import Embedded

VECTOR = np.array([0.1, -2.5, 3.0e-8, 1.0, 0.0, -0.0], dtype=np.float32)


def test_bytes_round_trip_exactly() -> None:
    data = vector_bytes(VECTOR)
    assert isinstance(data, bytes) and len(data) == 4 * len(VECTOR)
    back = vector_from_bytes(data)
    assert back.dtype == np.float32
    assert np.array_equal(back, VECTOR)
    assert back.tobytes() == VECTOR.tobytes()  # -0.0 stays -0.0


def test_bytes_are_little_endian_float32() -> None:
    assert vector_bytes(np.array([1.0, -2.0], dtype=np.float32)) == struct.pack("<2f", 1.0, -2.0)
    # Whatever the input's type: a float64 vector is stored as float32.
    assert vector_bytes(np.array([1.0, -2.0])) == struct.pack("<2f", 1.0, -2.0)
    assert vector_bytes(np.array([1.0], dtype=">f4")) == struct.pack("<f", 1.0)
    assert vector_from_bytes(struct.pack("<3f", 1.5, 2.5, -3.5)).tolist() == [1.5, 2.5, -3.5]


def test_pack_round_trips_exactly() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        vector = rng.normal(size=384).astype(np.float32)
        packed = pack_vector(vector)
        assert isinstance(packed, str)
        assert base64.b64decode(packed) == vector_bytes(vector)
        assert np.array_equal(unpack_vector(packed), vector)
        assert np.array_equal(unpack_vector(packed.encode()), vector)  # bytes as well


def test_empty_vector_round_trips() -> None:
    empty = np.zeros(0, dtype=np.float32)
    assert vector_bytes(empty) == b""
    assert unpack_vector(pack_vector(empty)).shape == (0,)


def test_the_records_on_the_topics_use_the_same_encoding() -> None:
    assert Embedded.pack(VECTOR) == pack_vector(VECTOR)
