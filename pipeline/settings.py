"""All of wirewatch's settings, read from WIREWATCH_* environment variables.

Every CLI flag overrides the variable of the same name; every default runs the whole
pipeline on one machine (embedded broker, SQLite file, bundled model).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///wirewatch.db"
STAGES = ("dedup", "embed", "events")  # in the order an article passes them


class Settings(BaseSettings):
    """Every setting, in one section per concept; each concept builds its own config
    from its section (`DedupConfig.from_settings`, `ClusterConfig.from_settings`, ...)."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore")

    # -- kafka: brokers and topics (pipeline/kafka) ----------------------------------------
    # No bootstrap servers means: use the embedded broker at broker_host:broker_port.
    bootstrap_servers: str | None = None
    broker_host: str = "127.0.0.1"
    broker_port: int = Field(9092, ge=1, le=65535)
    app_id: str = "wirewatch"  # consumer group and prefix of the internal topics
    topic_articles: str = "articles"
    topic_dlq: str = "articles.dlq"
    topic_updates: str = "event-updates"
    topic_alerts: str = "alerts"
    # The dedup stage is a single writer: keep the input topic at one partition unless you
    # run one worker. The embedding stage scales out over work_partitions (one per worker
    # you want embedding); one partition keeps the arrival order exactly.
    articles_partitions: int = Field(1, ge=1)
    work_partitions: int = Field(1, ge=1)
    output_partitions: int = Field(1, ge=1)
    replication_factor: int = Field(1, ge=1)
    session_timeout_s: float = Field(10.0, gt=0)
    # Longest time a consumer's fetch waits at the broker for data (faust's own: 1,500).
    fetch_max_wait_ms: int = Field(100, ge=1, le=30_000)
    # Largest batch of records a producer sends in one request (faust's own: 16 KiB, four
    # articles). Measured with the static lane (runs alternated): 16 KiB 193 to 312
    # articles/s end to end, 1 MiB 268 to 327, 512 KiB 280 and 326; the broker's CPU per
    # article 0.55 to 0.90 ms -> 0.31 to 0.37. Half of Kafka's default message.max.bytes
    # (1 MiB), which a batch must stay under.
    producer_batch_bytes: int = Field(512 * 1024, ge=16 * 1024)
    # Recovery from a broker that lost its topics (the embedded broker is memory-only):
    # seconds between two looks at the topics; 0 turns the watch off.
    topic_watch_s: float = Field(2.0, ge=0)
    # A consumer that stopped reading (records wait after a partition's committed offset,
    # none handed to its stream, unmoved this long, and it holds no message): the worker
    # restarts (pipeline/kafka/stall.py); 0 turns the watch off.
    stall_s: float = Field(120.0, ge=0)
    # Where `wirewatch run` records the embedded broker it started, so that the next run
    # finds it again (pipeline/kafka/detached.py); unset: $XDG_RUNTIME_DIR/wirewatch, or
    # wirewatch-<uid> in the temporary directory.
    state_dir: Path | None = None

    # -- store (pipeline/store) ------------------------------------------------------------
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)

    # -- dedup: input limits and near-duplicates (pipeline/dedup) ---------------------------
    max_message_bytes: int = Field(512 * 1024, ge=1_000)
    max_body_chars: int = Field(200_000, ge=100)
    max_future_s: float = Field(86_400.0, ge=0)
    shingle_size: int = Field(3, ge=1, le=10)
    num_perm: int = Field(128, ge=16, le=1024)
    lead_words: int = Field(60, ge=10)
    dup_jaccard: float = Field(0.5, gt=0, le=1)
    dup_containment: float = Field(0.8, gt=0, le=1)

    # -- embedding (pipeline/embedding) ----------------------------------------------------
    # Model: "minilm" (bundled all-MiniLM-L6-v2), "minilm-onnx-int8" (the fast profile),
    # "use-m3" (multilingual Universal Sentence Encoder v3, the default: one event across
    # languages, issue 15), "minilm+use-m3[:w]" (the two blended),
    # "hashing" (tiny, for tests), a local path, or a sentence-transformers model name
    # (needs the model in the local cache).
    model: str = "use-m3"
    # Texts the model encodes at once (the embedding stage's batches, copies riding along).
    embed_batch_size: int = Field(32, ge=1)
    embed_max_chars: int = Field(1000, ge=50)
    # Threads the model uses in each worker; 0 keeps torch's default (one per core). With
    # N workers on one machine, give each about cores / N.
    torch_threads: int = Field(0, ge=0)
    # Encoders embedding batches side by side in a worker (each a copy of the model);
    # 0: one per core with one thread each, unless torch_threads is set (see lanes.py).
    embed_lanes: int = Field(0, ge=0)
    # Each lane in a child process of its own: None decides by profile (yes for use-m3,
    # whose numpy encoder holds the interpreter lock; see pipeline/embedding/process.py).
    embed_processes: bool | None = None

    # -- events: matching and the live window (pipeline/events) -----------------------------
    # The score an article gets for an event is a learned probability over what the
    # articles say (embeddings, words, names and numbers, headlines) with time as a soft
    # prior (pipeline/events/model.py). The model is a small JSON file: empty means the
    # bundled one for the embedding profile (pipeline/events/models/match.json, or
    # match-static.json for "static"; trained by `wirewatch train` on
    # data/eval/ecbplus_dev.jsonl and its time variants; README, Accuracy).
    event_model: str = ""
    # None: the model's own. The score a part needs to join an event (with a model of
    # version 1, which has no parts: the score an article needs to join an event)...
    event_threshold: float | None = Field(None, gt=-1, le=1)
    # ... and the score an article needs to join a part (see pipeline/events/grouping.py).
    event_part_threshold: float | None = Field(None, gt=-1, le=1)
    # Scales the model's time coefficient: 1 as learned, 0 content alone.
    event_time_weight: float = Field(1.0, ge=0, le=2)
    event_candidates: int = Field(8, ge=1)
    # An event's IDF-weighted word lengths are measured again when the live statistics
    # moved by this share since: 0 is exact (and a restart then rebuilds the very same
    # scores), the event stage then about 6 % slower (static lane, the bench's feed of
    # 5,000 articles: 515 to 536 against 517 to 599 articles/s, 2026-12-06). Not the
    # default: it moves the dev figures by up to 0.01 either way, and in the real
    # pipeline a restart also moves the batch boundaries, which move decisions too.
    event_norm_tolerance: float = Field(0.05, ge=0, le=1)
    live_window_h: float = Field(72.0, gt=0, le=87_600)  # at most ten years
    # After an event closes (no article for the live window), how long a later article
    # that clearly belongs to it can reopen it instead of opening a second one.
    event_reopen_lookback_h: float = Field(168.0, ge=0, le=87_600)

    # -- runtime: the worker (pipeline/runtime) --------------------------------------------
    # The stages this worker runs, comma-separated: dedup, embed, events (the event stage
    # brings the desk's corrections and the webhook with it). Every stage must run on some
    # worker of the app. On a machine with two or more cores, a worker for "dedup,embed"
    # and one for "events" put the two single writers on separate cores (one worker holds
    # every single-writer partition otherwise: faust assigns one-partition topics together).
    stages: str = ",".join(STAGES)
    # `wirewatch run` with every stage: "on" runs it as two processes, one for dedup and the
    # embedding and one for the event stage (pipeline/runtime/split.py), so that the two
    # single writers work on two cores; "auto" does so on a machine with two or more.
    split: Literal["auto", "on", "off"] = "auto"
    # Split so, the event stage's worker runs on a core of its own (the last one) and the
    # other on the rest (pipeline/runtime/cores.py); false leaves them to the scheduler.
    pin_cores: bool = True
    # The cores this worker's process runs on ("1", "0-2,5"); empty: any. The split sets it.
    cpus: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(6066, ge=1, le=65535)  # /metrics
    batch_max: int = Field(64, ge=1)
    batch_wait_s: float = Field(0.05, gt=0)  # longest wait for a batch to fill

    # -- newsroom: dashboard and webhook alerts (pipeline/newsroom) -------------------------
    # `wirewatch dashboard`: the live page; it keeps this many events, most active first.
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(8080, ge=1, le=65535)
    dashboard_max_events: int = Field(200, ge=1)
    # Editors' corrections from the page (POST /api/corrections) need this token when it
    # is set; without one, the page corrects on loopback only and is read-only elsewhere.
    editor_token: SecretStr | None = None
    # Webhook alerts, POSTed by the workers when webhook_url is set. Triggers (comma-
    # separated): new_event, source_joined, threshold (the event reaches
    # webhook_source_threshold sources). Keywords match the headline, sources the source
    # that joined; empty means no filter. Alerts of one event within webhook_min_interval_s
    # of its last POST wait and go out together in the next one.
    webhook_url: SecretStr | None = None
    webhook_triggers: str = "source_joined"
    webhook_source_threshold: int = Field(3, ge=2)
    webhook_keywords: str = ""
    webhook_sources: str = ""
    # Comma-separated ISO 639-1 codes: only alerts caused by an article in one of them.
    webhook_languages: str = ""
    webhook_min_interval_s: float = Field(60.0, ge=0)
    webhook_timeout_s: float = Field(10.0, gt=0)
    webhook_max_attempts: int = Field(8, ge=1)
    webhook_retry_base_s: float = Field(2.0, gt=0)

    # -- logs (pipeline/logs.py) -----------------------------------------------------------
    # "logfmt" (key=value, readable) or "json" (one object per line).
    log_format: Literal["logfmt", "json"] = "logfmt"

    @field_validator("bootstrap_servers")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, value: str) -> str:
        named = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = [name for name in named if name not in STAGES]
        if unknown or not named:
            raise ValueError(
                f"stages are a comma-separated choice of {', '.join(STAGES)}; got {value!r}"
            )
        return ",".join(stage for stage in STAGES if stage in named)

    @field_validator("cpus")
    @classmethod
    def _listed_cpus(cls, value: str) -> str:
        from pipeline.runtime.cores import format_cpus, parse_cpus

        return format_cpus(parse_cpus(value))

    @field_validator("webhook_url", "editor_token", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def embedded_broker(self) -> bool:
        return self.bootstrap_servers is None

    @property
    def stage_set(self) -> frozenset[str]:
        return frozenset(self.stages.split(","))

    @property
    def runs_every_stage(self) -> bool:
        return self.stage_set == frozenset(STAGES)

    @property
    def kafka_servers(self) -> str:
        return self.bootstrap_servers or f"{self.broker_host}:{self.broker_port}"

    @property
    def state_path(self) -> Path:
        if self.state_dir is not None:
            return self.state_dir
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime:
            return Path(runtime) / "wirewatch"
        return Path(tempfile.gettempdir()) / f"wirewatch-{os.getuid()}"

    @property
    def topic_deduped(self) -> str:
        return f"{self.app_id}.deduped"

    @property
    def topic_embedded(self) -> str:
        return f"{self.app_id}.embedded"

    @property
    def topic_corrections(self) -> str:
        return f"{self.app_id}.corrections"

    @property
    def live_window_s(self) -> float:
        return self.live_window_h * 3600.0

    @property
    def database(self) -> str:
        return self.database_url.get_secret_value()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite://" or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])


def default_of(name: str) -> object:
    """A setting's default, for help texts that must not repeat it."""
    value = Settings.model_fields[name].default
    return value.get_secret_value() if isinstance(value, SecretStr) else value
