"""Sentence embeddings: the encoders (the multilingual USE v3 of the default profile,
bundled MiniLM, its ONNX int8 profile, blends of two, a hashing encoder for tests), the
one vector codec, the model lanes of a worker, the on-disk cache of replays, and the
embedding stage's pure logic."""

from pipeline.embedding.blend import BlendedEncoder, blend_parts
from pipeline.embedding.cache import CachedEncoder
from pipeline.embedding.codec import pack_vector, unpack_vector, vector_bytes, vector_from_bytes
from pipeline.embedding.encoder import (
    Encoder,
    HashingEncoder,
    bundled_model_path,
    embedding_text,
    load_encoder,
)
from pipeline.embedding.lanes import lane_plan
from pipeline.embedding.lazy import LazyEncoder
from pipeline.embedding.process import ProcessEncoder, runs_in_processes
from pipeline.embedding.stage import EmbedBatch, embedding_runs, read_batch, with_embeddings

__all__ = [
    "BlendedEncoder",
    "CachedEncoder",
    "EmbedBatch",
    "Encoder",
    "HashingEncoder",
    "LazyEncoder",
    "ProcessEncoder",
    "blend_parts",
    "bundled_model_path",
    "embedding_runs",
    "embedding_text",
    "lane_plan",
    "load_encoder",
    "pack_vector",
    "read_batch",
    "runs_in_processes",
    "unpack_vector",
    "vector_bytes",
    "vector_from_bytes",
    "with_embeddings",
]
