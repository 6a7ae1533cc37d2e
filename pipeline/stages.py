"""The stages built from the settings, and the one in-process pipeline that chains them.

The agents run the dedup stage, the encoder and the event stage across Kafka hops;
`wirewatch eval`, the benchmark's stage measurements, the memory soak and the tests run
the very same objects here, one batch after the other, on one thread. Nothing here
imports faust.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.dedup import (
    DedupConfig,
    DedupPlan,
    DedupStage,
    FingerprintConfig,
    Fingerprinter,
    Incoming,
    Limits,
    NearDuplicateIndex,
)
from pipeline.embedding import Encoder, embedding_text
from pipeline.events import ClusterConfig, EventIndex, EventPlan, EventStage
from pipeline.language.words import word_counts
from pipeline.mentions import mentions
from pipeline.settings import Settings
from pipeline.store import Store
from schemas.messages import Correction, Deduped, Embedded


def build_dedup_stage(settings: Settings, store: Store) -> DedupStage:
    return DedupStage(
        store,
        NearDuplicateIndex(DedupConfig.from_settings(settings)),
        Fingerprinter(FingerprintConfig.from_settings(settings)),
        limits=Limits.from_settings(settings),
        window=timedelta(seconds=settings.live_window_s),
    )


def build_event_stage(settings: Settings, store: Store, encoder: Encoder | None) -> EventStage:
    return EventStage(
        store,
        EventIndex(ClusterConfig.from_settings(settings)),
        window=timedelta(seconds=settings.live_window_s),
        encoder=encoder,
        embed_max_chars=settings.embed_max_chars,
    )


def texts_to_embed(forward: Sequence[Deduped], max_chars: int) -> list[str]:
    """What the embedding stage embeds: the unique articles only, in order."""
    return [
        embedding_text(f.article.title, f.article.body, max_chars)
        for f in forward
        if f.duplicate_of is None
    ]


def with_vectors(forward: Sequence[Deduped], vectors: Iterable[object]) -> list[Embedded]:
    """The records the event stage receives: each unique article with its vector (in the
    order of `texts_to_embed`), its mentions and its words, each copy without them."""
    unique = iter(vectors)
    return [
        Embedded(
            **f.model_dump(),
            embedding=None if f.duplicate_of else Embedded.pack(next(unique)),  # type: ignore[arg-type]
            mentions=None if f.duplicate_of else mentions(f.article.title, f.article.body),
            words=None if f.duplicate_of else word_counts(f.article.title, f.article.body),
        )
        for f in forward
    ]


@dataclass(frozen=True)
class BatchResult:
    """What one batch did in each stage."""

    dedup: DedupPlan
    events: EventPlan


class InProcessPipeline:
    """dedup → embed → events on one thread, writing to `store` as the agents do.

    Owns its two stages (rebuilt from the store by `load`); the encoder is lent, and may
    be None where only the stages are measured (then `embed` cannot be used)."""

    def __init__(self, settings: Settings, store: Store, encoder: Encoder | None) -> None:
        self.settings = settings
        self.store = store
        self.encoder = encoder
        self.dedup = build_dedup_stage(settings, store)
        self.events = build_event_stage(settings, store, encoder)

    def load(self) -> None:
        """Rebuild both indexes from the store, as a worker does on start (with the parts
        a stop left unweighed weighed again: `Services.event_stage`)."""
        self.dedup.load()
        self.events.load()
        if self.events.grouping.due:
            self.regroup(datetime.now(UTC))

    def deduplicate(self, lines: Sequence[bytes], now: datetime) -> DedupPlan:
        plan = self.dedup.plan([Incoming(line, now) for line in lines], now)
        self.dedup.save(plan)
        return plan

    def embed(self, forward: Sequence[Deduped]) -> list[Embedded]:
        texts = texts_to_embed(forward, self.settings.embed_max_chars)
        if texts and self.encoder is None:
            raise RuntimeError("this in-process pipeline has no encoder")
        vectors = self.encoder.encode(texts) if texts and self.encoder else []
        return with_vectors(forward, vectors)

    def place(self, embedded: list[Embedded], now: datetime) -> EventPlan:
        """Place a batch and write it; then move the parts that belong elsewhere now, as
        the events agent does (`EventStage.settle`)."""
        plan = self.events.plan(embedded, now)
        self.events.save(plan)
        plan.regrouped = self.regroup(now)
        return plan

    def regroup(self, now: datetime) -> int:
        """Weigh again the parts that grew, and write their moves, as the events agent
        does after each batch; returns how many parts moved."""
        settled = self.events.settle(now)
        self.events.save(settled)
        return settled.regrouped

    def correct(self, correction: Correction, now: datetime | None = None) -> EventPlan:
        """An editor's correction, applied and written as the events agent does."""
        plan = self.events.apply(correction, now or datetime.now(UTC))
        self.events.save(plan)
        return plan

    def run_batch(self, lines: Sequence[bytes], now: datetime | None = None) -> BatchResult:
        now = now or datetime.now(UTC)
        dedup = self.deduplicate(lines, now)
        return BatchResult(dedup, self.place(self.embed(dedup.forward), now))

    def run(self, lines: Sequence[bytes], now: datetime | None = None) -> Iterable[BatchResult]:
        """The lines in batches of `batch_max`, as the agents take them."""
        now = now or datetime.now(UTC)
        step = self.settings.batch_max
        for start in range(0, len(lines), step):
            yield self.run_batch(lines[start : start + step], now)
