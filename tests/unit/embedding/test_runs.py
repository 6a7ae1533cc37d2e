"""The embedding stage cuts what it takes into runs of `embed_batch_size` texts, not
messages: copies are not embedded, and a run of half copies would give the model a
half-size batch."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.embedding.stage import embedding_runs, read_batch
from schemas.article import Article
from schemas.messages import Deduped

NOW = datetime(2025, 7, 3, tzinfo=UTC)


def _deduped(
    article_id: str, duplicate_of: str | None = None, extra: dict[str, object] | None = None
) -> bytes:
    article = Article(
        id=article_id,
        source="s",
        body="Floods hit the town.",
        published_at=NOW,
        received_at=NOW,
        extra=extra or {},
    )
    record = Deduped(article=article, duplicate_of=duplicate_of, produced_at=NOW)
    return record.model_dump_json().encode()


def _texts(values: list[bytes], runs: list[range]) -> list[int]:
    return [len(read_batch(values[r.start : r.stop], 1000).texts) for r in runs]


def test_each_run_holds_the_batch_size_in_texts_with_the_copies_among_them() -> None:
    # u = unique, c = copy; runs of two texts: u c u c c c | u u | u c u c
    kinds = "ucucccuuucuc"
    values = [_deduped(f"a{n}", None if k == "u" else "a0") for n, k in enumerate(kinds)]
    runs = embedding_runs(values, 2)
    assert [(r.start, r.stop) for r in runs] == [(0, 6), (6, 8), (8, 12)]
    assert _texts(values, runs) == [2, 2, 2]


def test_runs_cover_every_record_once_in_order() -> None:
    values = [_deduped(f"a{n}", "a0" if n % 3 else None) for n in range(50)]
    runs = embedding_runs(values, 4)
    assert [i for r in runs for i in r] == list(range(50))
    assert _texts(values, runs)[:-1] == [4] * (len(runs) - 1)


def test_copies_only_and_nothing_make_one_run_and_none() -> None:
    copies = [_deduped(f"c{n}", "a0") for n in range(5)]
    assert embedding_runs(copies, 2) == [range(0, 5)]
    assert embedding_runs([], 2) == []


def test_a_field_of_that_name_in_extra_moves_only_where_a_run_ends() -> None:
    # A copy whose article carries {"duplicate_of": null} in `extra` counts as a text: the
    # run ends sooner, and every record is still in one run.
    values = [_deduped("a0"), _deduped("c1", "a0", {"duplicate_of": None}), _deduped("a2")]
    runs = embedding_runs(values, 1)
    assert [(r.start, r.stop) for r in runs] == [(0, 1), (1, 2), (2, 3)]
