"""`wirewatch eval`: replay a labelled corpus through the pipeline's own stages and score it.

The corpus is JSON Lines: the article fields of the input contract, a gold event label
(`event_id` unless told otherwise) and, optionally, `duplicate_of` (the id of the
article a wire copy was made from, null for an original). It is replayed in
`published_at` order through the same objects the agents use: the dedup stage, the
encoder, the event stage, on an in-memory SQLite store; then the store says where each
article went. Only the input fields reach the pipeline: the labels never do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.embedding import Encoder
from pipeline.errors import EvalError
from pipeline.evaluation.scores import (
    Scores,
    bcubed,
    cross_language_pairwise,
    duplicate_pairs,
    pairwise,
)
from pipeline.settings import Settings
from pipeline.stages import InProcessPipeline
from pipeline.store import Store

INPUT_FIELDS = ("id", "source", "body", "title", "url", "language", "published_at")
DUPLICATE_FIELD = "duplicate_of"
# Where no article of a corpus has a time: a fixed start, one second per article.
UNDATED_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Corpus:
    """A labelled corpus in replay order: what the pipeline receives, and the gold labels."""

    name: str
    messages: list[dict[str, Any]]  # what the pipeline receives, in replay order
    labels: dict[str, str]  # article id -> gold event
    duplicates: dict[str, str | None] | None  # article id -> gold original; None: unlabelled

    def __len__(self) -> int:
        return len(self.messages)

    def lines(self) -> Iterator[bytes]:
        for message in self.messages:
            yield json.dumps(message, ensure_ascii=False).encode()

    def head(self, n: int) -> Corpus:
        """The first n articles of the replay, with their labels."""
        kept = self.messages[:n]
        ids = {m["id"] for m in kept}
        duplicates = None
        if self.duplicates is not None:
            duplicates = {
                i: (d if d in ids else None) for i, d in self.duplicates.items() if i in ids
            }
        return Corpus(self.name, kept, {i: self.labels[i] for i in ids}, duplicates)


@dataclass(frozen=True)
class Prediction:
    event_of: dict[str, str]
    duplicate_of: dict[str, str | None]
    language_of: dict[str, str | None] = field(default_factory=dict)  # as stored


@dataclass(frozen=True)
class Report:
    """The scores of one replay."""

    articles: int
    gold_events: int
    predicted_events: int
    bcubed: Scores
    pairwise: Scores
    duplicates: Scores | None
    gold_duplicates: int | None = None
    predicted_duplicates: int = 0
    # Pairwise over the pairs of articles in different languages (as stored: given or
    # detected); None for a corpus in one language.
    cross_language: Scores | None = None

    def as_json(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "events": {"gold": self.gold_events, "predicted": self.predicted_events},
            "bcubed": self.bcubed.as_dict(),
            "pairwise": self.pairwise.as_dict(),
            "duplicates": None if self.duplicates is None else self.duplicates.as_dict(),
        }
        if self.cross_language is not None:
            report["cross_language_pairwise"] = self.cross_language.as_dict()
        return report


def _parse_time(value: Any, article_id: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise EvalError(f"article {article_id!r}: published_at {value!r} is not ISO 8601") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_corpus(path: Path, label_field: str = "event_id") -> Corpus:
    records: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise EvalError(f"{path}:{number}: expected an object with a string id")
            if record.get(label_field) is None:
                raise EvalError(
                    f"{path}:{number}: no {label_field!r} label "
                    "(choose the label with --label-field)"
                )
            records.append(record)
    if not records:
        raise EvalError(f"{path}: no articles")
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise EvalError(f"{path}: repeated ids, e.g. {repeated[:3]}")

    # Replay order: by published_at; an article without one keeps its place in the file,
    # taking the time of the article before it.
    times: list[datetime] = []
    first = _first_time(records)
    previous = None
    for n, record in enumerate(records):
        t = _parse_time(record.get("published_at"), record["id"])
        if t is None and first is None:
            t = UNDATED_START + timedelta(seconds=n)
        elif t is None:
            t = previous or first
        times.append(t)
        previous = t
    order = sorted(range(len(records)), key=lambda n: times[n])
    messages = []
    for n in order:
        message = {k: records[n][k] for k in INPUT_FIELDS if records[n].get(k) is not None}
        message["published_at"] = times[n].isoformat()
        messages.append(message)

    duplicates = None
    if any(DUPLICATE_FIELD in r for r in records):
        known = set(ids)
        duplicates = {}
        for r in records:
            original = r.get(DUPLICATE_FIELD)
            if original is not None and original not in known:
                raise EvalError(f"{path}: {r['id']!r} is a copy of {original!r}, not in the file")
            duplicates[r["id"]] = original
    labels = {r["id"]: str(r[label_field]) for r in records}
    return Corpus(Path(path).name, messages, labels, duplicates)


def _first_time(records: list[dict[str, Any]]) -> datetime | None:
    for record in records:
        t = _parse_time(record.get("published_at"), record["id"])
        if t is not None:
            return t
    return None


def replay(
    corpus: Corpus,
    settings: Settings,
    encoder: Encoder,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Prediction:
    """The corpus through the dedup and event stages, as the agents run them, in batches."""
    store = Store("sqlite://")
    store.create_schema()
    try:
        pipeline = InProcessPipeline(settings, store, encoder)
        pipeline.load()
        for batch in pipeline.run(list(corpus.lines())):
            if batch.dedup.dead:
                raise EvalError(_rejected(batch.dedup.dead))
            if on_progress:
                on_progress(len(batch.dedup.forward))
        return predictions_in(store)
    finally:
        store.close()


def _rejected(dead: Sequence[Any]) -> str:
    first = dead[0]
    return (
        f"{len(dead)} articles of the corpus were rejected by validation, e.g. "
        f"{first.reason}: {first.detail}"
    )


def predictions_in(store: Store) -> Prediction:
    placements = store.article_placements()
    return Prediction(
        {i: p.event_id for i, p in placements.items()},
        {i: p.duplicate_of for i, p in placements.items()},
        {i: p.language for i, p in placements.items()},
    )


def score(corpus: Corpus, prediction: Prediction) -> Report:
    missing = corpus.labels.keys() - prediction.event_of.keys()
    if missing:
        raise EvalError(
            f"{len(missing)} articles never reached the store, e.g. {sorted(missing)[:3]}"
        )
    predicted = {i: prediction.event_of[i] for i in corpus.labels}
    dup_scores = None
    gold_dups = None
    if corpus.duplicates is not None:
        dup_scores = duplicate_pairs(
            corpus.duplicates, {i: prediction.duplicate_of[i] for i in corpus.labels}
        )
        gold_dups = sum(1 for d in corpus.duplicates.values() if d)
    return Report(
        articles=len(corpus),
        gold_events=len(set(corpus.labels.values())),
        predicted_events=len(set(predicted.values())),
        bcubed=bcubed(corpus.labels, predicted),
        pairwise=pairwise(corpus.labels, predicted),
        duplicates=dup_scores,
        gold_duplicates=gold_dups,
        predicted_duplicates=sum(1 for i in corpus.labels if prediction.duplicate_of[i]),
        cross_language=cross_language_pairwise(corpus.labels, predicted, prediction.language_of),
    )
