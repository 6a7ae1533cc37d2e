"""pipeline/events/kernels.py: the compiled loops give, to the last bit, the order-free
sums (`order_free_sum`) of what numpy computes for the shared terms, and the rows a full
sort puts first."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.events import kernels

_sum = kernels.order_free_sum


def _terms(rng: np.random.Generator, size: int, vocabulary: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.sort(rng.choice(vocabulary, size=size, replace=False)).astype(np.int64)
    return ids, rng.random(size) * rng.choice([1e-3, 1.0, 1e3], size)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 8, 65, 1000, 40_000])
def test_the_sum_is_the_same_in_any_order_and_within_its_bound(size: int) -> None:
    rng = np.random.default_rng(size)
    for n in range(20):
        values = rng.random(size) * rng.choice([1e-16, 1e-6, 1.0, 1e6, 1e16], size)
        if n % 2:  # signs mixed: what cancels leaves the error to the largest value
            values -= rng.random(size) * rng.choice([1e-16, 1.0, 1e16], size)
        if n % 4 == 3:  # ties and exact halves
            values = np.round(values * 4) / 4
        total = _sum(values)
        for _ in range(3):
            assert _sum(rng.permutation(values)) == total
        largest = float(np.abs(values).max(initial=0.0))
        assert abs(total - math.fsum(values)) <= size * largest * 2.0**-62 + abs(total) * 2.0**-52


def test_the_sum_of_small_and_edge_values() -> None:
    assert _sum(np.array([0.1, 0.2, 0.3])) == math.fsum([0.1, 0.2, 0.3])
    assert _sum(np.array([1e300, 1e300, -1e300])) == 1e300  # no overflow in between
    # Below 2**-961 there is no fixed point as a double: summed sorted.
    assert _sum(np.array([3e-300, 1e-300, 2e-300])) == 6e-300
    assert _sum(np.array([2.0**-1070, 2.0**-1074])) == 2.0**-1070 + 2.0**-1074
    assert _sum(np.array([-0.0, 0.0])) == 0.0
    assert _sum(np.array([1.0, np.inf])) == np.inf
    assert math.isnan(_sum(np.array([np.inf, 1.0, -np.inf])))
    assert math.isnan(_sum(np.array([1.0, np.nan, 2.0])))


# (40, 900) and (900, 40): the few ids looked up among the many, instead of a walk.
@pytest.mark.parametrize(
    ("a_size", "b_size"), [(0, 5), (5, 0), (3, 4), (40, 900), (900, 40), (1, 1999)]
)
def test_shared_sums_read_the_shared_ids_only(a_size: int, b_size: int) -> None:
    rng = np.random.default_rng(a_size * 1000 + b_size)
    a_ids, a_values = _terms(rng, a_size, 2000)
    b_ids, b_values = _terms(rng, b_size, 2000)
    counts = rng.integers(0, 50, size=2000)
    logs = np.log(np.arange(1, 60))
    shared, in_a, in_b = np.intersect1d(a_ids, b_ids, return_indices=True)
    products = a_values[in_a] * b_values[in_b]
    assert kernels.shared_dot(a_ids, a_values, b_ids, b_values) == _sum(products)
    idf = 9.5 - logs[counts[shared]]
    expected = _sum(products * (idf * idf))
    assert kernels.shared_idf_dot(a_ids, a_values, b_ids, b_values, counts, logs, 9.5) == expected
    mass = _sum(idf)
    assert kernels.shared_idf_dot_and_mass(a_ids, a_values, b_ids, b_values, counts, logs, 9.5) == (
        expected,
        mass,
    )
    assert kernels.idf_sum(a_ids, counts, logs, 9.5) == _sum(9.5 - logs[counts[a_ids]])
    weighted = a_values * (9.5 - logs[counts[a_ids]])
    squares = _sum(weighted * weighted)
    assert kernels.idf_squares(a_ids, a_values, counts, logs, 9.5) == squares


def test_one_call_gives_what_the_separate_sums_give() -> None:
    """`candidate_products` and `part_products` (one call for an article and an event, or
    for two parts) to the last bit what `shared_dot`, `shared_idf_dot` and
    `shared_idf_dot_and_mass` give for words, mentions and headline apart."""
    rng = np.random.default_rng(11)
    # Few names and headline words to draw from: article and event share some.
    article = [
        _terms(rng, size, vocabulary) for size, vocabulary in ((180, 3000), (12, 40), (9, 40))
    ]
    event = [
        _terms(rng, size, vocabulary) for size, vocabulary in ((2400, 3000), (30, 40), (8, 40))
    ]
    twice = [values * rng.random(len(values)) for _, values in article]
    (words, mentions, headline), (e_words, e_mentions, e_headline) = article, event
    in_article, _ = np.intersect1d(mentions[0], e_mentions[0], return_indices=True)[1:]
    assert kernels.candidate_products(
        words[0], twice[0], mentions[0], twice[1], mentions[1], headline[0], twice[2],
        *e_words, *e_mentions, *e_headline,
    ) == (
        kernels.shared_dot(words[0], twice[0], *e_words),
        kernels.shared_dot(mentions[0], twice[1], *e_mentions),
        _sum(mentions[1][in_article]),
        kernels.shared_dot(headline[0], twice[2], *e_headline),
    )  # fmt: skip
    word_counts, mention_counts = rng.integers(0, 50, 3000), rng.integers(0, 9, 3000)
    logs = np.log(np.arange(1, 60))
    mention_dot, mass = kernels.shared_idf_dot_and_mass(
        *mentions, *e_mentions, mention_counts, logs, 4.5
    )
    assert kernels.part_products(
        *words, *mentions, *headline, *e_words, *e_mentions, *e_headline,
        word_counts, mention_counts, logs, 9.5, 4.5,
    ) == (
        kernels.shared_idf_dot(*words, *e_words, word_counts, logs, 9.5),
        mention_dot,
        mass,
        kernels.shared_idf_dot(*headline, *e_headline, word_counts, logs, 9.5),
    )  # fmt: skip
    # Each kind shares terms, so that each product is a real check.
    assert min(mention_dot, mass, kernels.shared_dot(headline[0], twice[2], *e_headline)) > 0.0


def test_merged_adds_a_shared_terms_weights_in_order() -> None:
    a = (np.array([1, 4, 9], dtype=np.int64), np.array([0.1, 0.2, 0.3]))
    b = (np.array([0, 4, 10, 11], dtype=np.int64), np.array([1.0, 2.0, 3.0, 4.0]))
    ids, values = kernels.merged(*a, *b)
    assert ids.tolist() == [0, 1, 4, 9, 10, 11]
    assert values.tolist() == [1.0, 0.1, 0.2 + 2.0, 0.3, 3.0, 4.0]
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
    assert kernels.merged(*empty, *empty)[0].tolist() == []
    assert kernels.merged(*a, *empty)[1].tolist() == [0.1, 0.2, 0.3]


@pytest.mark.parametrize("rows", [0, 5, 64, 65, 200, 3000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_top_rows_are_those_a_full_sort_puts_first(rows: int, dtype: type) -> None:
    rng = np.random.default_rng(rows)
    values = (rng.random(rows) * 2 - 1).astype(dtype)
    rounded = np.round(values, 1)  # many equal values: the lower row comes first
    rounded[rows // 2 : rows // 2 + 1] = -np.inf  # a row left out of `nearest_each`
    for v in (values, rounded):
        ranked = np.argsort(-v, kind="stable")
        for count in (0, 1, 3, 8, 70):
            for floor in (-np.inf, 0.0, 0.3):
                expected = [int(n) for n in ranked[:count] if v[n] >= dtype(floor)]
                assert kernels.top_rows(v, count, dtype(floor)).tolist() == expected


def test_idf_weighting_is_numpys_to_the_last_bit() -> None:
    rng = np.random.default_rng(5)
    ids, values = _terms(rng, 300, 5000)
    counts = rng.integers(0, 50, 5000)
    logs = np.log(np.arange(1, 52, dtype=np.float64))
    weights, norm, twice, total = kernels.idf_weighted(ids, values, counts, logs, 7.3)
    idf = 7.3 - logs[counts[ids]]
    assert weights.tolist() == (values * idf).tolist()
    assert twice.tolist() == (values * idf * idf).tolist()
    assert norm == math.sqrt(_sum(weights * weights))
    assert total == _sum(weights)
