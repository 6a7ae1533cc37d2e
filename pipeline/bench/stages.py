"""The benchmark's in-process measurements, on the same stage objects the agents use:
the dedup stage alone, the raw encoder (the baseline), the embedding and event stages
alone, and matching cost against the
size of the history.
"""

from __future__ import annotations

import gc
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from pipeline.dedup.fingerprint import FingerprintConfig, Fingerprinter
from pipeline.dedup.index import DedupConfig, NearDuplicateIndex
from pipeline.embedding.encoder import load_encoder
from pipeline.embedding.stage import embedding_runs, read_batch, with_embeddings
from pipeline.events.index import ClusterConfig, ClusterItem, EventIndex
from pipeline.feeds.generator import FeedSpec, make_feed
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline, texts_to_embed, with_vectors
from pipeline.store.store import Store
from schemas.messages import Deduped, Embedded


@dataclass(frozen=True)
class DedupRun:
    per_s: float  # wall clock, one thread
    cpu_per_s: float  # per second of CPU time of that thread
    texts: list[str]  # what the pipeline will embed: the articles found unique, in order
    copies: int  # articles found to be copies
    forward: list[Deduped]  # what the stage passes on, in order


def dedup_alone(settings: Settings, lines: list[bytes], workdir: Path) -> DedupRun:
    """The feed through the dedup stage (validation, fingerprints, LSH, store) in
    batches as the agent takes them, on a store of its own."""
    store = Store(f"sqlite:///{workdir / 'dedup-alone.db'}")
    store.create_schema()
    pipeline = InProcessPipeline(settings, store, None)
    now = datetime.now(UTC)
    forward: list[Deduped] = []
    gc.collect()
    wall, cpu = time.perf_counter(), time.thread_time()
    for start in range(0, len(lines), settings.batch_max):
        forward.extend(pipeline.deduplicate(lines[start : start + settings.batch_max], now).forward)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    store.close()
    texts = texts_to_embed(forward, settings.embed_max_chars)
    copies = len(forward) - len(texts)
    return DedupRun(len(lines) / wall, len(lines) / cpu, texts, copies, forward)


@dataclass(frozen=True)
class EncodeRun:
    per_s: float
    texts: int
    threads: int
    cpu_ms: float  # CPU time per text, all threads
    vectors: np.ndarray


def encode_baseline(settings: Settings, texts: list[str]) -> EncodeRun:
    """Raw `encode` of the texts the pipeline embeds: same model, same batch size."""
    import torch

    encoder = load_encoder(
        settings.model, batch_size=settings.embed_batch_size, threads=settings.torch_threads
    )
    encoder.encode(texts[: settings.embed_batch_size])  # first call pays one-off costs
    started, cpu = time.perf_counter(), time.process_time()
    vectors = encoder.encode(texts)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    threads = getattr(encoder, "threads", None) or torch.get_num_threads()
    del encoder
    gc.collect()
    return EncodeRun(len(texts) / elapsed, len(texts), threads, cpu * 1000 / len(texts), vectors)


EMBED_ALONE = 512


def embed_alone(settings: Settings, forward: list[Deduped]) -> float:
    """The embedding stage as the embed agent runs it (read the deduped JSON, encode the
    unique texts, splice the vectors in), without the broker; articles per second."""
    encoder = load_encoder(
        settings.model, batch_size=settings.embed_batch_size, threads=settings.torch_threads
    )
    # At most EMBED_ALONE records: enough for a steady rate, and a slow model does not
    # encode the whole feed a third time.
    raw = [record.model_dump_json().encode() for record in forward[:EMBED_ALONE]]
    size = settings.embed_batch_size
    encoder.encode(read_batch(raw[:size], settings.embed_max_chars).texts)  # one-off costs
    gc.collect()
    started = time.perf_counter()
    for run in embedding_runs(raw, size):
        values = raw[run.start : run.stop]
        batch = read_batch(values, settings.embed_max_chars)
        with_embeddings(values, batch, encoder.encode(batch.texts))
    elapsed = time.perf_counter() - started
    del encoder
    gc.collect()
    return len(raw) / elapsed


def events_alone(
    settings: Settings, forward: list[Deduped], vectors: np.ndarray, workdir: Path
) -> float:
    """The event stage as the sink runs it (parse, match, write the batch, read and mark
    the outbox), without the broker; articles per second."""
    store = Store(f"sqlite:///{workdir / 'events-alone.db'}")
    store.create_schema()
    pipeline = InProcessPipeline(settings, store, None)
    raw = [record.model_dump_json() for record in with_vectors(forward, vectors)]
    gc.collect()
    started = time.perf_counter()
    place_records(pipeline, raw, datetime.now(UTC))
    elapsed = time.perf_counter() - started
    store.close()
    return len(raw) / elapsed


def place_records(pipeline: InProcessPipeline, raw: list[str], now: datetime) -> None:
    """The embedded records (JSON) through the event stage as the sink takes them: parse
    a batch, place and write it, read and mark the outbox."""
    store, size = pipeline.store, pipeline.settings.batch_max
    for start in range(0, len(raw), size):
        batch = [Embedded.model_validate_json(r) for r in raw[start : start + size]]
        pipeline.place(batch, now)
        store.mark_published(store.pending_outbox())


@dataclass(frozen=True)
class ScaleRow:
    stored: int  # articles seen so far (the history)
    live_articles: int  # of them, inside the live window: what the dedup index holds
    live_events: int  # open
    held_events: int  # open, and closed within the reopening lookback: what is compared
    dedup_us: float  # per article: LSH lookup, scoring and insert
    events_us: float  # per unique article: nearest held events, scores and update


def matching_vs_history(
    settings: Settings,
    sizes: tuple[int, ...],
    *,
    per_hour: float = 1000.0,
    probes: int = 500,
    seed: int = 11,
    dimension: int = 384,
) -> list[ScaleRow]:
    """Time the matching of `probes` articles after `size` articles have passed, for
    each size. Articles arrive at `per_hour` (event time); the dedup index keeps the live
    window, the event index the window and the reopening lookback (closed events that may
    reopen). History is filled with synthetic signatures and embeddings (random shingle
    sets; events of a few articles around a random direction), probes are real
    fingerprints of generated articles, matched in batches as the event stage matches
    them. Event matching compares an article with every held event: its cost follows the
    events held (arrival rate times window and lookback), not the history."""
    rng = np.random.default_rng(seed)
    fingerprinter = Fingerprinter(FingerprintConfig.from_settings(settings))
    dedup = NearDuplicateIndex(DedupConfig.from_settings(settings))
    events = EventIndex(ClusterConfig.from_settings(settings))
    window = timedelta(hours=settings.live_window_h)
    step = timedelta(hours=1.0 / per_hour)
    start = datetime(2025, 1, 1, tzinfo=UTC)

    rows: list[ScaleRow] = []
    filled = 0
    direction = _unit_rows(rng, 1, dimension)[0]
    for size in sorted(sizes):
        while filled < size:
            at = start + step * filled
            # The history is put in directly: only the probes below are timed.
            hashes = rng.integers(0, 2**63, size=400, dtype=np.uint64)
            signature, lead = fingerprinter.signatures(hashes, 58)
            dedup.add(f"h{filled}", _fingerprint(signature, lead, 400), f"h{filled}", at)
            if filled % 3 == 0:  # a new story every third article
                direction = _unit_rows(rng, 1, dimension)[0]
            vector = _unit(direction + 0.6 * _unit_rows(rng, 1, dimension)[0])
            events.restore(f"e{filled // 3}", ClusterItem(f"h{filled}", vector, at))
            filled += 1
            if filled % 1000 == 0:
                dedup.evict_before(at - window)
                events.evict_before(at - window)
        at = start + step * filled
        # Fresh probes at each size: earlier probes would find their twins.
        probe_feed = make_feed(FeedSpec(probes, 0.0, seed=seed + size, id_prefix=f"p{size}"))
        probe_prints = [fingerprinter.fingerprint(a["body"]) for a in probe_feed]
        gc.collect()
        dedup_s = events_s = 0.0
        vectors = _unit_rows(rng, probes, dimension)
        keys = [f"p{size}-{n}" for n in range(probes)]
        for key, fingerprint in zip(keys, probe_prints, strict=True):
            t0 = time.perf_counter()
            dedup.find_and_add(key, fingerprint, at)
            dedup_s += time.perf_counter() - t0
        # In batches, as the event stage matches them: the cosines to every held event
        # are one product per batch.
        for first in range(0, probes, settings.batch_max):
            batch = range(first, min(first + settings.batch_max, probes))
            t0 = time.perf_counter()
            events.prepare({keys[n]: vectors[n] for n in batch})
            for n in batch:
                events.assign(ClusterItem(keys[n], vectors[n], at))
            events_s += time.perf_counter() - t0
        rows.append(
            ScaleRow(
                size,
                len(dedup),
                len(events),
                events.held,
                dedup_s / probes * 1e6,
                events_s / probes * 1e6,
            )
        )
        filled += probes
    return rows


def _fingerprint(signature: np.ndarray, lead: np.ndarray, size: int):  # type: ignore[no-untyped-def]
    from pipeline.dedup.fingerprint import Fingerprint

    return Fingerprint(signature, size, lead, f"{random.getrandbits(64):x}")


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)
