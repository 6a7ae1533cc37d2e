"""The live event index on hand-made vectors: join above the threshold, open below it,
forget events that left the live window, restore from stored members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pipeline.events import lexical
from pipeline.events.index import (
    Assignment,
    ClusterConfig,
    ClusterItem,
    EventIndex,
    event_id_for,
)
from pipeline.events.model import FEATURES, PART_FEATURES, MatchModel

T0 = datetime(2025, 7, 3, tzinfo=UTC)
# Embeddings alone: the hand-made vectors below carry no text and no time gap to weigh.
EMBEDDING_ONLY = ClusterConfig(model=MatchModel.embedding_only(0.8))
# The bundled learned model, with closed events dropped at once (no reopening).
LEARNED = ClusterConfig()


def _item(id: str, vector: list[float], hours: float = 0) -> ClusterItem:
    v = np.array(vector, dtype=np.float32)
    return ClusterItem(id, v / np.linalg.norm(v), T0 + timedelta(hours=hours))


def test_join_the_nearest_event_above_the_threshold() -> None:
    index = EventIndex(EMBEDDING_ONLY)
    a = index.assign(_item("a", [1, 0, 0]))
    b = index.assign(_item("b", [0, 1, 0]))
    c = index.assign(_item("c", [0.95, 0.1, 0]))
    assert a.created and b.created and not c.created
    assert a.event_id == event_id_for("a") and c.event_id == a.event_id
    assert c.similarity is not None and c.similarity > 0.8
    d = index.assign(_item("d", [0.6, 0.6, 0.5]))
    assert d.created


def test_evicted_events_are_not_joined() -> None:
    index = EventIndex(EMBEDDING_ONLY)
    a = index.assign(_item("a", [1, 0, 0]))
    index.assign(_item("b", [0, 1, 0], hours=10))
    assert index.evict_before(T0 + timedelta(hours=5)) == [a.event_id]
    assert index.assign(_item("c", [1, 0, 0], hours=11)).created


def test_the_largest_open_event_leaves_the_count_when_it_closes() -> None:
    index = EventIndex(ClusterConfig(model=MatchModel.embedding_only(0.8), reopen_lookback_h=24))
    for n in range(3):
        index.assign(_item(f"a{n}", [1, 0.01 * n, 0]))
    index.assign(_item("b", [0, 1, 0], hours=10))
    assert index.largest_open() == 3
    assert index.evict_before(T0 + timedelta(hours=5)) == []  # the first closes, held
    assert (index.held, index.largest_open()) == (2, 1)
    assert index.assign(_item("a3", [1, 0, 0], hours=12)).reopened
    assert index.largest_open() == 4
    index.evict_before(T0 + timedelta(hours=60))  # both closed, then dropped
    assert (index.held, index.largest_open()) == (0, 0)


def test_restore_rebuilds_the_same_decisions() -> None:
    live = EventIndex(EMBEDDING_ONLY)
    items = [_item("a", [1, 0, 0]), _item("b", [0.9, 0.2, 0]), _item("c", [0, 1, 0])]
    placed = {i.article_id: live.assign(i).event_id for i in items}
    restored = EventIndex(EMBEDDING_ONLY)
    for item in items:
        restored.restore(placed[item.article_id], item)
    probe = _item("d", [0.92, 0.15, 0.05])
    assert restored.assign(probe).event_id == live.assign(probe).event_id == placed["a"]


def _story(id: str, vector: list[float], hours: float, text: str) -> ClusterItem:
    v = np.array(vector, dtype=np.float32)
    return ClusterItem(id, v / np.linalg.norm(v), T0 + timedelta(hours=hours), None, text)


# Two quakes that embeddings cannot tell apart; their words and names can.
QUAKES = [
    _story("q1", [1, 0.1, 0], 0, "A magnitude 6.1 quake hits the island of Qeshm, ten dead"),
    _story("q2", [1, 0.12, 0], 1, "Ten killed as a 6.1 quake strikes Qeshm in Iran"),
    _story("r1", [1, 0.08, 0], 40, "A magnitude 5.6 quake jolts Hormozgan, three hurt"),
    _story("r2", [1, 0.11, 0], 41, "Three injured by a 5.6 quake in the province of Hormozgan"),
]


def test_words_and_names_split_what_embeddings_merge() -> None:
    learned = EventIndex(LEARNED)
    events = [learned.assign(s).event_id for s in QUAKES]
    assert events[0] == events[1] and events[2] == events[3] and events[0] != events[2]
    embedding_only = EventIndex(EMBEDDING_ONLY)
    assert len({embedding_only.assign(s).event_id for s in QUAKES}) == 1


def test_the_days_the_texts_name_are_compared_across_languages() -> None:
    index = EventIndex(LEARNED)
    calls = [
        _story("fr", [1, 0, 0, 0], 0, "Poutine et Trump se sont parlé jeudi 3 juillet."),
        _story("en", [0, 1, 0, 0], 1, "Putin and Trump spoke on Thursday, July 3."),
        _story("next", [0, 0, 1, 0], 20, "Zelensky and Trump spoke on Friday, July 4."),
        _story("none", [0, 0, 0, 1], 21, "Zelensky and Trump spoke again."),
    ]
    part = {s.article_id: index.assign(s).event_id for s in calls}
    assert len(set(part.values())) == 4  # apart by embedding; the features still measure
    days, stated = PART_FEATURES.index("days"), PART_FEATURES.index("days_stated")
    same_day = index.part_features(part["fr"], part["en"])
    assert same_day[days] == 1.0 and same_day[stated] == 1.0
    next_day = index.part_features(part["en"], part["next"])
    assert next_day[days] == 0.0 and next_day[stated] == 1.0  # both name a day: others
    unknown = index.part_features(part["next"], part["none"])
    assert unknown[days] == 0.0 and unknown[stated] == 0.0  # one names none: no evidence


def test_restore_rebuilds_word_statistics_and_times() -> None:
    config = LEARNED
    live = EventIndex(config)
    placed = {s.article_id: live.assign(s).event_id for s in QUAKES}
    restored = EventIndex(config)
    for story in QUAKES:
        restored.restore(placed[story.article_id], story)
    probes = [
        _story("p1", [1, 0.1, 0.02], 42, "Hormozgan quake: three hurt, 5.6 magnitude"),
        _story("p2", [1, 0.1, 0.02], 42, "Qeshm quake toll stays at ten"),
    ]
    for probe in probes:
        assert restored.assign(probe) == live.assign(probe)
    # Evicting the first quake takes its words out of the statistics too.
    assert live.evict_before(T0 + timedelta(hours=30)) == [placed["q1"]]
    assert live._df.documents == len(QUAKES) + len(probes) - 2  # q1 and q2 are gone


@pytest.mark.parametrize("batch", [1, 8])
def test_a_long_stream_reuses_rows_and_scores_like_brute_force(batch: int) -> None:
    """Events come and go (the index grows, evicts, reuses rows); each decision must be
    the one a brute-force scan of the live events gives. In batches, the cosines are
    measured first (`prepare`, as the event stage does) and events leave in the middle
    of a batch: what was measured for their rows must not count."""
    rng = np.random.default_rng(7)
    index = EventIndex(EMBEDDING_ONLY)
    live: dict[str, list[np.ndarray]] = {}  # event -> member vectors
    gone: list[np.ndarray] = []  # first vectors of evicted events
    for start in range(0, 600, batch):
        items = []
        for n in range(start, start + batch):
            vector = rng.normal(size=8).astype(np.float32)
            if gone and n % 5 == 0:  # a variant of an evicted event: must not find it
                vector = gone[-1] + 0.1 * vector
            elif live and n % 3:  # often, a slight variant of a live event's first article
                vector = live[sorted(live)[n % len(live)]][0] + 0.1 * vector
            items.append(_item(f"a{n}", list(vector), n * 0.1))
        if batch > 1:
            index.prepare({item.article_id: item.embedding for item in items})
        for item in items:
            for event_id in index.evict_before(item.published_at - timedelta(hours=5)):
                gone.append(live.pop(event_id)[0])
            expected = max(
                ((float(_unit(sum(m)) @ item.embedding), e) for e, m in live.items()),
                default=(-1.0, None),
            )
            placed = index.assign(item)
            if expected[0] >= EMBEDDING_ONLY.join_threshold:
                assert placed.event_id == expected[1] and not placed.created
            else:
                assert placed.created
            live.setdefault(placed.event_id, []).append(item.embedding)
            assert len(index) == len(live)
    assert len(index) < 200  # evictions kept the index to the window


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_each_candidate_scores_the_best_of_its_own_sampled_members() -> None:
    """The member cosines of all candidates come from one product: each must still be the
    best over that event's own members (its first and latest), whatever their counts."""
    rng = np.random.default_rng(3)
    index = EventIndex(EMBEDDING_ONLY)
    members: dict[str, list[np.ndarray]] = {}
    common = rng.normal(size=8)  # stories near one another: all of them candidates
    bases = [common + 0.8 * rng.normal(size=8) for _ in range(6)]
    for n in range(45):
        base = bases[n % len(bases)] if n % 7 else common + 0.8 * rng.normal(size=8)
        item = _item(f"a{n}", list(base + 0.15 * rng.normal(size=8)), n * 0.1)
        members.setdefault(index.assign(item).event_id, []).append(item.embedding)
    kept = EMBEDDING_ONLY.members_kept
    probe = _item("probe", list(common), 5)
    candidates = index.candidates(probe)
    assert len(candidates) > 3
    sizes = {len(members[c.event_id]) for c in candidates}
    assert len(sizes) > 2 and max(sizes) > kept  # some with fewer members than kept, some more
    for candidate in candidates:
        vectors = members[candidate.event_id]
        sampled = vectors[:1] + vectors[1:][-(kept - 1) :]
        best = max(float(v @ probe.embedding) for v in sampled)
        member_cosine = candidate.features[FEATURES.index("member_cosine")]
        assert member_cosine == pytest.approx(best, abs=1e-6)


def test_term_ids_handed_back_change_no_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a long stream the ids of words and names no held event has are handed back and
    the rest numbered anew (pipeline/events/lexical.py); every decision stays the one an
    index that never does so takes, score for score."""
    rng = np.random.default_rng(3)
    vocabulary = [f"word{n}" for n in range(3000)]
    stories = []
    for n in range(240):
        topic = n % 7  # stories of a few topics, each with words of its own and rare ones
        words = [vocabulary[topic * 40 + int(k)] for k in rng.integers(0, 40, 25)]
        words += [vocabulary[int(k)] for k in rng.integers(300, 3000, 15)]
        words += [f"Town{int(k)}" for k in rng.integers(0, 2000, 5)]  # names: mentions
        vector = np.eye(8)[topic] + 0.2 * rng.normal(size=8)
        stories.append(_story(f"s{n}", list(vector), n * 0.5, " ".join(words)))

    def decisions(compact_from: int) -> tuple[list[Assignment], int, int]:
        monkeypatch.setattr(lexical, "COMPACT_FROM", compact_from)
        index, out = EventIndex(LEARNED), []
        for story in stories:
            index.evict_before(story.published_at - timedelta(hours=12))
            out.append(index.assign(story))
        return out, index._df._compacted_at, index._mention_df._compacted_at

    never, *not_compacted = decisions(10**9)
    compacting, *compacted_to = decisions(200)
    assert not_compacted == [0, 0] and min(compacted_to) > 0
    assert compacting == never
