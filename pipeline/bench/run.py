"""`wirewatch bench`: how fast the real pipeline runs beside the raw speed of its model.

One run, on one feed (generated with a seed, or loaded), in this order:
1. the dedup stage alone, in this process: articles per second on one core; it also
   says which articles are unique, hence which texts the pipeline will embed;
2. the baseline: raw `encode` of exactly those texts, same model and batch size;
3. the real pipeline: an embedded broker on a free port, N `wirewatch run` workers,
   a warm-up (model loaded, partitions assigned), then the whole feed produced at once;
   throughput is articles over the time from the first produce to the last event
   update (Kafka timestamps), and the ratio is that over the baseline;
4. latency from produce to event update, measured on a paced tail of the feed at half
   the measured throughput (a burst only measures its own queue);
5. peak memory: the high-water RSS of each worker process;
6. matching cost against history: the dedup and event indexes at growing sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr, ValidationError

from pipeline.bench.stages import (
    ScaleRow,
    dedup_alone,
    embed_alone,
    encode_baseline,
    events_alone,
    matching_vs_history,
)
from pipeline.errors import WirewatchError
from pipeline.feeds.generator import FeedSpec, encode_lines, load_originals, make_feed
from pipeline.runtime.split import split_of
from pipeline.runtime.stack import LocalStack
from pipeline.settings import STAGES, Settings
from pipeline.store.store import Store

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class BenchConfig:
    articles: int = 2000
    dup_share: float = 0.5
    seed: int = 7
    feed: Path | None = None  # originals from a JSON Lines file instead of generated ones
    workers: int = 1
    # One worker's WIREWATCH_STAGES each, as `split_stages` returns them; empty: all in each.
    stages: tuple[str, ...] = ()
    torch_threads: int = 0  # per model lane; 0: one
    lanes: int = 0  # model lanes per worker; 0: the cores shared out among those that embed
    latency_articles: int = 0  # the paced tail; 0: a tenth of the feed, 20 to 300
    scale_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_per_hour: float = 140.0  # arrival rate behind the history (about 3,400 a day)
    timeout_s: float = 3600.0
    workdir: Path | None = None

    @property
    def embedding_workers(self) -> int:
        if not self.stages:
            return self.workers
        return sum("embed" in stages.split(",") for stages in self.stages)


REFERENCE_SPECS = ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
REFERENCE_TEXTS = 256  # MiniLM is slower: its speed per text is steady well before this


@dataclass
class BenchResult:
    articles: int
    dup_share: float
    workers: int
    worker_stages: list[str]  # each worker's stages
    model: str
    batch_size: int
    encode_per_s: float
    encode_texts: int
    encode_threads: int
    encode_cpu_ms: float  # CPU time per text of the raw encode
    pipeline_per_s: float
    pipeline_s: float
    ratio: float
    embedded: int  # articles the pipeline embedded (the rest were copies)
    copies_expected: int  # copies in the feed, by construction
    dedup_per_s: float
    dedup_cpu_per_s: float
    embed_per_s: float  # the embedding stage alone (read JSON, encode, splice), one lane
    events_per_s: float  # the event stage alone (the sink's work without the broker)
    latency_ms: dict[str, float]
    latency_rate_per_s: float
    burst_latency_ms: dict[str, float]
    peak_rss_mb: float
    worker_rss_mb: list[float]
    worker_lanes: int
    worker_threads: int
    worker_cpu_ms: float  # per article, all workers, model included
    worker_cpu_each_ms: list[float]  # per article, each worker
    broker_cpu_ms: float  # per article
    # Cores the whole machine kept busy during the burst (every program, this one too):
    # near the core count, the run was bound by CPU: only less CPU an article makes it faster.
    cores_busy: float | None = None  # None: no /proc/stat to read

    @property
    def cpu_ratio(self) -> float:
        """The ratio in CPU time: raw encode per text over pipeline per article (workers
        and broker). It does not move with the load other programs put on the machine."""
        return self.encode_cpu_ms / (self.worker_cpu_ms + self.broker_cpu_ms)

    scale: list[ScaleRow] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    # The raw encode of the English MiniLM on (the first REFERENCE_TEXTS of) the same
    # texts, beside the default multilingual model's; empty when the model is MiniLM.
    reference: dict[str, Any] = field(default_factory=dict)

    @property
    def reference_ratio(self) -> float | None:
        """End to end over the reference model's raw encode (issue 16's measure)."""
        return self.pipeline_per_s / self.reference["encode_per_s"] if self.reference else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scale"] = [asdict(row) for row in self.scale]
        data["cpu_ratio"] = round(self.cpu_ratio, 3)
        return data


def machine_info() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "load_avg": list(os.getloadavg())}


def split_stages(stages: tuple[str, ...]) -> tuple[str, ...]:
    """Each worker's stages, checked: every stage runs on some worker. ValueError if not."""
    checked = []
    for named in stages:
        try:
            checked.append(Settings(stages=named).stages)
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"]) from None
    missing = [s for s in STAGES if not any(s in named.split(",") for named in checked)]
    if missing:
        raise ValueError(f"no worker runs the stage(s) {', '.join(missing)}")
    return tuple(checked)


def _as_run_runs_it(config: BenchConfig, settings: Settings) -> BenchConfig:
    """One worker is measured as `wirewatch run` runs: as two processes where it splits
    itself (`WIREWATCH_SPLIT`, pipeline/runtime/split.py)."""
    if config.stages or config.workers != 1:
        return config
    groups = split_of(settings)
    return replace(config, stages=groups, workers=len(groups)) if groups else config


def build_feed(config: BenchConfig) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The measured feed and a warm-up feed of other articles."""
    spec = FeedSpec(config.articles, config.dup_share, seed=config.seed)
    originals = load_originals(config.feed) if config.feed else None
    feed = make_feed(spec, originals)
    warm = make_feed(FeedSpec(48, 0.0, seed=config.seed + 1000, id_prefix="warmup"))
    return feed, warm


def run_bench(settings: Settings, config: BenchConfig, progress: Progress) -> BenchResult:
    """Measure in `config.workdir`, or in a temporary directory removed once the run has
    succeeded (its stores hold every article and vector: hundreds of megabytes at 100,000
    articles). A failed run leaves it, since its errors name the logs in it."""
    if config.workdir is not None:
        config.workdir.mkdir(parents=True, exist_ok=True)
        return _measure(settings, config, config.workdir, progress)
    workdir = Path(tempfile.mkdtemp(prefix="wirewatch-bench-"))
    result = _measure(settings, config, workdir, progress)
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def _measure(
    settings: Settings, config: BenchConfig, workdir: Path, progress: Progress
) -> BenchResult:
    from pipeline.runtime.threads import limit_blas_threads

    limit_blas_threads()
    config = _as_run_runs_it(config, settings)
    load_before = os.getloadavg()
    feed, warm = build_feed(config)
    lines = encode_lines(feed)
    lanes = config.lanes or max(1, (os.cpu_count() or 1) // config.embedding_workers)
    threads = config.torch_threads or 1

    progress("dedup stage alone", 0, len(lines))
    dedup = dedup_alone(settings, lines, workdir)
    progress("dedup stage alone", len(lines), len(lines))

    progress(f"baseline: encoding {len(dedup.texts)} texts", 0, len(dedup.texts))
    encode = encode_baseline(settings, dedup.texts)
    progress(f"baseline: encoding {len(dedup.texts)} texts", len(dedup.texts), len(dedup.texts))

    reference: dict[str, Any] = {}
    if settings.model not in (*REFERENCE_SPECS, "hashing"):
        texts = dedup.texts[:REFERENCE_TEXTS]
        progress(f"reference: MiniLM encoding {len(texts)} texts", 0, len(texts))
        ref = encode_baseline(settings.model_copy(update={"model": "minilm"}), texts)
        progress(f"reference: MiniLM encoding {len(texts)} texts", len(texts), len(texts))
        reference = {
            "model": "minilm",
            "encode_per_s": round(ref.per_s, 2),
            "texts": ref.texts,
            "threads": ref.threads,
            "cpu_ms": round(ref.cpu_ms, 2),
        }

    progress("embedding stage alone", 0, len(dedup.forward))
    embed_per_s = embed_alone(settings, dedup.forward)
    progress("embedding stage alone", len(dedup.forward), len(dedup.forward))

    progress("event stage alone", 0, len(dedup.forward))
    events_per_s = events_alone(settings, dedup.forward, encode.vectors, workdir)
    progress("event stage alone", len(dedup.forward), len(dedup.forward))

    run = run_pipeline(
        settings, config, lines, encode_lines(warm), workdir, (lanes, threads), progress
    )

    scale: list[ScaleRow] = []
    if config.scale_sizes:
        progress("matching against history", 0, len(config.scale_sizes))
        scale = matching_vs_history(settings, config.scale_sizes, per_hour=config.scale_per_hour)
        progress("matching against history", len(config.scale_sizes), len(config.scale_sizes))

    machine = machine_info()
    machine["load_avg_before"] = list(load_before)
    return BenchResult(
        articles=len(lines),
        dup_share=config.dup_share,
        workers=config.workers,
        worker_stages=list(config.stages) or [settings.stages] * config.workers,
        model=settings.model,
        batch_size=settings.embed_batch_size,
        encode_per_s=encode.per_s,
        encode_texts=encode.texts,
        encode_threads=encode.threads,
        encode_cpu_ms=encode.cpu_ms,
        pipeline_per_s=run.per_s,
        pipeline_s=run.seconds,
        ratio=run.per_s / encode.per_s,
        embedded=run.embedded,
        copies_expected=sum(1 for a in feed if "wire_copy_of" in a),
        dedup_per_s=dedup.per_s,
        dedup_cpu_per_s=dedup.cpu_per_s,
        embed_per_s=embed_per_s,
        events_per_s=events_per_s,
        latency_ms=run.latency_ms,
        latency_rate_per_s=run.latency_rate,
        burst_latency_ms=run.burst_latency_ms,
        peak_rss_mb=sum(run.rss_mb),
        worker_rss_mb=run.rss_mb,
        worker_lanes=lanes,
        worker_threads=threads,
        worker_cpu_ms=sum(run.worker_cpu_ms),
        worker_cpu_each_ms=run.worker_cpu_ms,
        broker_cpu_ms=run.broker_cpu_ms,
        cores_busy=run.cores_busy,
        scale=scale,
        machine=machine,
        reference=reference,
    )


@dataclass
class PipelineRun:
    per_s: float
    seconds: float
    embedded: int
    latency_ms: dict[str, float]
    latency_rate: float
    burst_latency_ms: dict[str, float]
    rss_mb: list[float]
    worker_cpu_ms: list[float]  # CPU time of each worker per article of the burst
    broker_cpu_ms: float
    cores_busy: float | None


def run_pipeline(
    base: Settings,
    config: BenchConfig,
    lines: list[bytes],
    warm: list[bytes],
    workdir: Path,
    lanes_threads: tuple[int, int],
    progress: Progress,
) -> PipelineRun:
    tail = config.latency_articles or min(300, max(20, len(lines) // 10))
    burst, paced = lines[: len(lines) - tail], lines[len(lines) - tail :]
    db = workdir / f"pipeline-{uuid.uuid4().hex[:6]}.db"
    settings = base.model_copy(
        update={
            "database_url": SecretStr(f"sqlite:///{db}"),
            "work_partitions": max(config.embedding_workers, base.work_partitions),
            "embed_lanes": lanes_threads[0],
            "torch_threads": lanes_threads[1],
        }
    )
    stack = LocalStack(
        settings,
        workdir,
        workers=config.workers,
        worker_args=("--log-level", "warning"),
        name="bench",
        stages=config.stages,
    )
    with stack:
        settings, store, workers = stack.settings, stack.store, stack.workers

        def wait(count: int, what: str) -> None:
            stack.wait_until_stored(
                count,
                config.timeout_s,
                on_progress=lambda done, total: progress(what, done, total),
                what=what,
            )

        producer = _producer(settings)
        # Warm-up: models loaded, consumer group settled, every worker embedding.
        _produce(producer, settings, warm)
        wait(len(warm), "warm-up")
        _wait_all_embedding(store, producer, settings, workers, wait)
        stored_before = store.count_articles()
        assert stack.broker is not None
        broker_pid = stack.broker.pid
        cpu_before = [_cpu_seconds(w.pid) for w in workers] + [_cpu_seconds(broker_pid)]
        machine_before = _machine_ticks()

        _produce(producer, settings, burst)
        wait(stored_before + len(burst), "pipeline")
        cpu_after = [_cpu_seconds(w.pid) for w in workers] + [_cpu_seconds(broker_pid)]
        cores_busy = _cores_busy(machine_before, _machine_ticks())
        cpu_ms = [(a - b) * 1000 / len(burst) for a, b in zip(cpu_after, cpu_before, strict=True)]
        updates = _updates(settings)
        burst_ids = {json.loads(line)["id"] for line in burst}
        burst_times = [updates[i] for i in burst_ids if i in updates]
        if len(burst_times) < len(burst_ids):
            raise WirewatchError(
                f"only {len(burst_times)} of {len(burst_ids)} articles reached "
                f"event-updates; see the logs in {workdir}"
            )
        started = min(t.produced for t in burst_times)
        ended = max(t.emitted for t in burst_times)
        per_s = len(burst_ids) / (ended - started)

        # The tail, paced at half that rate: latency of a pipeline that keeps up.
        rate = per_s / 2
        total = stored_before + len(burst) + len(paced)
        _produce(producer, settings, paced, rate=rate)
        wait(total, "latency")
        updates = _updates(settings)
        paced_ids = {json.loads(line)["id"] for line in paced}
        paced_times = [updates[i] for i in paced_ids if i in updates]
        embedded = sum(1 for t in (*burst_times, *paced_times) if t.duplicate_of is None)
        rss = [_peak_rss_mb(w.pid) for w in workers]
        producer.close()
    return PipelineRun(
        per_s=per_s,
        seconds=ended - started,
        embedded=embedded,
        latency_ms=_percentiles([t.latency for t in paced_times]),
        latency_rate=rate,
        burst_latency_ms=_percentiles([t.latency for t in burst_times]),
        rss_mb=rss,
        worker_cpu_ms=cpu_ms[:-1],
        broker_cpu_ms=cpu_ms[-1],
        cores_busy=cores_busy,
    )


@dataclass(frozen=True)
class _Timing:
    produced: float  # the input message's Kafka timestamp, s
    emitted: float  # the event update's Kafka timestamp, s
    duplicate_of: str | None

    @property
    def latency(self) -> float:
        return self.emitted - self.produced


def _percentiles(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    ms = np.array(latencies) * 1000.0
    return {f"p{q}": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)}


def _producer(settings: Settings) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=settings.kafka_servers.split(","),
        acks="all",
        linger_ms=5,
        batch_size=256 * 1024,
        max_request_size=2 * settings.max_message_bytes + 100_000,
    )


def _produce(producer: Any, settings: Settings, lines: list[bytes], rate: float = 0.0) -> None:
    started = time.perf_counter()
    for n, line in enumerate(lines):
        if rate:
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            producer.send(settings.topic_articles, key=_key(line), value=line)
            producer.flush()
        else:
            producer.send(settings.topic_articles, key=_key(line), value=line)
    producer.flush()


def _key(line: bytes) -> bytes:
    return str(json.loads(line)["id"]).encode()


def _process_tree(pid: int) -> list[int]:
    """The process and its descendants (a worker's model lanes may be child processes)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return tree


def _cpu_seconds(pid: int) -> float:
    """CPU time of the process and of its living descendants."""
    total = 0
    for member in _process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int] | None:
    """The machine's busy and all CPU time so far, in clock ticks summed over its cores
    (Linux's /proc/stat; None elsewhere)."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user .. steal; guest time is inside user's
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def _cores_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How many of the machine's cores were busy on average between the two readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    share = (after[0] - before[0]) / (after[1] - before[1])
    return round(share * (os.cpu_count() or 1), 2)


def _wait_all_embedding(
    store: Store,
    producer: Any,
    settings: Settings,
    workers: list[subprocess.Popen[bytes]],
    wait: Callable[[int, str], None],
) -> None:
    """With several workers, wait until each one works: send small rounds of fresh
    articles until every worker spends CPU on them (the group may still rebalance). A
    round holds enough articles for a fast model's share of them to cost a worker more
    than its idle loops do (the static profile embeds one in about 1 ms)."""
    if len(workers) == 1:
        return
    size = max(4 * settings.work_partitions, 100 * len(workers))
    for attempt in range(30):
        round_ = make_feed(FeedSpec(size, 0.0, seed=5000 + attempt, id_prefix=f"w{attempt}"))
        before = [_cpu_seconds(w.pid) for w in workers]
        target = store.count_articles() + len(round_)
        _produce(producer, settings, encode_lines(round_))
        wait(target, "warm-up (workers)")
        spent = [_cpu_seconds(w.pid) - b for w, b in zip(workers, before, strict=True)]
        if min(spent) > 0.1:
            return
        time.sleep(1.0)
    raise WirewatchError("not every worker took part after 30 rounds of fresh articles")


def _updates(settings: Settings) -> dict[str, _Timing]:
    """Every event update on the output topic: article id -> its timings."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        settings.topic_updates,
        bootstrap_servers=settings.kafka_servers.split(","),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
        group_id=None,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    timings: dict[str, _Timing] = {}
    try:
        for message in consumer:
            update = json.loads(message.value)
            article = update["article"]
            timings[article["id"]] = _Timing(
                produced=datetime.fromisoformat(update["produced_at"]).timestamp(),
                emitted=message.timestamp / 1000.0,
                duplicate_of=article.get("duplicate_of"),
            )
    finally:
        consumer.close()
    return timings


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory of the process and its descendants, summed (an upper bound:
    their peaks need not coincide)."""
    total = 0
    for member in _process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return total / 1024.0 if total else float("nan")


def render(result: BenchResult) -> list[str]:
    """The figures as lines of text for people."""
    r = result
    lat, burst = r.latency_ms, r.burst_latency_ms
    lines = [
        f"feed: {r.articles} articles, duplicate share {r.dup_share:.2f} "
        f"({r.copies_expected} wire copies); model {r.model}, batch {r.batch_size}; "
        f"{r.workers} worker(s) x {r.worker_lanes} model lane(s) x {r.worker_threads} thread(s)",
        f"raw encode (baseline):   {r.encode_per_s:8.1f} texts/s  "
        f"({r.encode_texts} unique texts, {r.encode_threads} threads)",
        *(
            [
                f"{'raw encode, ' + r.reference['model'] + ':':24s} "
                f"{r.reference['encode_per_s']:8.1f} "
                f"texts/s  ({r.reference['texts']} of the same texts, "
                f"{r.reference['threads']} threads; for comparison)"
            ]
            if r.reference
            else []
        ),
        f"pipeline, end to end:    {r.pipeline_per_s:8.1f} articles/s  "
        f"({r.pipeline_s:.1f} s; {r.embedded} articles embedded)",
        f"ratio pipeline/encode:   {r.ratio:8.2f}x  (in CPU time: {r.cpu_ratio:.2f}x)",
        *(
            [
                f"{'ratio pipeline/' + r.reference['model'] + ':':24s} "
                f"{r.reference_ratio:8.2f}x  "
                f"(end to end against {r.reference['model']}'s raw encode above)"
            ]
            if r.reference_ratio is not None
            else []
        ),
        f"dedup stage alone:       {r.dedup_per_s:8.0f} articles/s on one core "
        f"({r.dedup_cpu_per_s:.0f} per CPU-second)",
        f"embedding stage alone:   {r.embed_per_s:8.0f} articles/s (JSON in, encode, splice)",
        f"event stage alone:       {r.events_per_s:8.0f} articles/s (match, SQLite write, outbox)",
        f"latency produce -> event-update at {r.latency_rate_per_s:.0f} articles/s: "
        f"p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms, p99 {lat['p99']:.0f} ms",
        f"  (in the burst, queueing included: p50 {burst['p50']:.0f} ms, "
        f"p99 {burst['p99']:.0f} ms)",
        f"CPU per article:         workers {r.worker_cpu_ms:.1f} ms (model included), "
        f"broker {r.broker_cpu_ms:.2f} ms; raw encode {r.encode_cpu_ms:.1f} ms per text",
        *(
            [
                f"  worker {n} ({stages.replace(',', ', ')}): {ms:.2f} ms"
                for n, (stages, ms) in enumerate(
                    zip(r.worker_stages, r.worker_cpu_each_ms, strict=True), 1
                )
            ]
            if r.workers > 1
            else []
        ),
        *(
            [
                f"  cores busy in the burst: {r.cores_busy:.2f} of {r.machine.get('cores')} "
                "(the whole machine)"
            ]
            if r.cores_busy is not None
            else []
        ),
        f"peak memory (RSS):       {r.peak_rss_mb:8.0f} MB  "
        f"(per worker: {', '.join(f'{m:.0f}' for m in r.worker_rss_mb)})",
    ]
    if r.scale:
        lines.append("matching cost against history (per article, in-process):")
        lines.append(
            "   stored   live articles   live events   held events   dedup (LSH) us   events us"
        )
        for row in r.scale:
            lines.append(
                f"  {row.stored:7d}   {row.live_articles:13d}   {row.live_events:11d}   "
                f"{row.held_events:11d}   {row.dedup_us:14.1f}   {row.events_us:9.1f}"
            )
    m = r.machine
    lines.append(
        f"machine: {m.get('cores')} cores, {m.get('cpu')}; load average before "
        f"{m.get('load_avg_before', [0])[0]:.2f}, after {m.get('load_avg', [0])[0]:.2f}"
    )
    return lines


def summary_json(result: BenchResult) -> dict[str, Any]:
    """The object `--json` prints: the agreed keys first, then the details."""
    r = result
    return {
        "encode_per_s": round(r.encode_per_s, 2),
        "pipeline_per_s": round(r.pipeline_per_s, 2),
        "ratio": round(r.ratio, 3),
        "dedup_per_s": round(r.dedup_per_s, 1),
        "embed_per_s": round(r.embed_per_s, 1),
        "events_per_s": round(r.events_per_s, 1),
        "latency_ms": r.latency_ms,
        "peak_rss_mb": round(r.peak_rss_mb, 1),
        "reference_encode_per_s": r.reference.get("encode_per_s"),
        "reference_ratio": None if r.reference_ratio is None else round(r.reference_ratio, 3),
        "articles": r.articles,
        "dup_share": r.dup_share,
        "details": r.to_json(),
    }
