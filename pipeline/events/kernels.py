"""Compiled loops over term vectors held as arrays (`SparseTerms` of lexical.py), and
the pick of the nearest events' rows (`top_rows`).

Each comparison of two texts' terms is a walk over two ascending arrays of term ids (or,
where one holds far more, a binary search of the fewer among the many). In
numpy it took about ten calls (search, compare, gather, multiply, sort, sum), each with a
fixed cost of a microsecond or more: a sixth of the event stage's time on the static
lane. Here each is one call to a loop compiled by numba.

A sum gives the same bits whatever the order of its terms (`order_free_sum`): a score
must not depend on the order the terms came in, since a restart hands their ids out in
another. Sorting the values first did that too, but the sort was most of a comparison's
time; the correctly rounded sum (`math.fsum`'s algorithm) that replaced it was then 6 %
of the event stage's CPU. Adding the values as fixed-point integers, which no order
changes, takes a fifth to a ninth of its time (28 against 139 ns for 8 values, 136
against 1,025 for 72).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def order_free_sum(values: np.ndarray) -> float:
    """The sum of the values, the same bits in any order: each value is rounded to a
    fixed point set by the largest of them (62 bits below it) and the integers are added,
    which no order changes. It differs from the exact sum by at most n * 2**-62 times the
    largest value; a non-finite value gives numpy's inf or nan."""
    largest = 0.0
    for x in values:
        if not math.isfinite(x):
            return float(np.sum(values))  # inf or nan whatever the order
        largest = max(largest, abs(x))
    if largest == 0.0:
        return 0.0
    shift = 62 - math.frexp(largest)[1]
    if shift > 1023:  # every value below 2**-961: no fixed point as a double
        return float(np.sum(np.sort(values)))
    # A product by a power of two is exact, or below 2**-1022 where the point rounds it
    # to 0 anyway.
    scale = math.ldexp(1.0, shift)
    # Each value's integer split in 31 high and low bits, added apart: neither sum can
    # overflow before 2**31 values.
    high = low = 0
    for x in values:
        fixed = np.int64(np.rint(x * scale))
        high += fixed >> 31
        low += fixed & 0x7FFFFFFF
    return math.ldexp(float(high), 31 - shift) + math.ldexp(float(low), -shift)


# An article's words against a large event's: past this ratio of sizes, each of the
# fewer ids is looked up among the many (binary search) instead of walking both.
_LOOKUP_FROM = 16


@njit(cache=True)
def _looked_up(few: np.ndarray, many: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_shared`, looking each of the few ids up among the many."""
    in_few = np.empty(len(few), dtype=np.int64)
    in_many = np.empty(len(few), dtype=np.int64)
    n = low = 0
    for i in range(len(few)):
        high = len(many)
        while low < high:  # the first of the many at or above this id
            middle = (low + high) // 2
            if many[middle] < few[i]:
                low = middle + 1
            else:
                high = middle
        if low == len(many):
            break
        if many[low] == few[i]:
            in_few[n], in_many[n] = i, low
            n += 1
            low += 1
    return in_few[:n], in_many[:n]


@njit(cache=True)
def _shared(a_ids: np.ndarray, b_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the ids both hold are (ids ascending): their positions in a, and in b."""
    if len(b_ids) > _LOOKUP_FROM * len(a_ids):
        return _looked_up(a_ids, b_ids)
    if len(a_ids) > _LOOKUP_FROM * len(b_ids):
        in_b, in_a = _looked_up(b_ids, a_ids)
        return in_a, in_b
    in_a = np.empty(min(len(a_ids), len(b_ids)), dtype=np.int64)
    in_b = np.empty(len(in_a), dtype=np.int64)
    n = i = j = 0
    while i < len(a_ids) and j < len(b_ids):
        if a_ids[i] < b_ids[j]:
            i += 1
        elif a_ids[i] > b_ids[j]:
            j += 1
        else:
            in_a[n], in_b[n] = i, j
            n += 1
            i += 1
            j += 1
    return in_a[:n], in_b[:n]


@njit(cache=True)
def _shared_products(
    a_ids: np.ndarray, a_values: np.ndarray, b_ids: np.ndarray, b_values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """a * b at each id both hold (ids ascending), and those ids."""
    in_a, in_b = _shared(a_ids, b_ids)
    return a_values[in_a] * b_values[in_b], a_ids[in_a]


@njit(cache=True)
def shared_dot(
    a_ids: np.ndarray, a_values: np.ndarray, b_ids: np.ndarray, b_values: np.ndarray
) -> float:
    """Sum of a * b over the ids both hold."""
    products, _ = _shared_products(a_ids, a_values, b_ids, b_values)
    return order_free_sum(products)


@njit(cache=True)
def _idf(term_id: int, counts: np.ndarray, logs: np.ndarray, top: float) -> float:
    """A term's IDF: `top - logs[counts[id]]` (lexical.py's `IdfWeights`)."""
    return top - logs[counts[term_id]]


@njit(cache=True)
def _shared_idf_products(
    a_ids: np.ndarray,
    a_values: np.ndarray,
    b_ids: np.ndarray,
    b_values: np.ndarray,
    counts: np.ndarray,
    logs: np.ndarray,
    top: float,
) -> tuple[np.ndarray, np.ndarray]:
    """a * b * idf² at each id both hold (ids ascending), and each one's IDF."""
    products, ids = _shared_products(a_ids, a_values, b_ids, b_values)
    idfs = np.empty(len(ids))
    for k in range(len(ids)):
        idf = _idf(ids[k], counts, logs, top)
        products[k] = products[k] * (idf * idf)
        idfs[k] = idf
    return products, idfs


@njit(cache=True)
def shared_idf_dot(
    a_ids: np.ndarray,
    a_values: np.ndarray,
    b_ids: np.ndarray,
    b_values: np.ndarray,
    counts: np.ndarray,
    logs: np.ndarray,
    top: float,
) -> float:
    """Sum of a * b * idf² over the ids both hold."""
    products, _ = _shared_idf_products(a_ids, a_values, b_ids, b_values, counts, logs, top)
    return order_free_sum(products)


@njit(cache=True)
def shared_idf_dot_and_mass(
    a_ids: np.ndarray,
    a_values: np.ndarray,
    b_ids: np.ndarray,
    b_values: np.ndarray,
    counts: np.ndarray,
    logs: np.ndarray,
    top: float,
) -> tuple[float, float]:
    """`shared_idf_dot`, and the IDF summed over the ids both hold."""
    products, idfs = _shared_idf_products(a_ids, a_values, b_ids, b_values, counts, logs, top)
    return order_free_sum(products), order_free_sum(idfs)


@njit(cache=True)
def idf_sum(ids: np.ndarray, counts: np.ndarray, logs: np.ndarray, top: float) -> float:
    """Sum of the terms' IDF."""
    idfs = np.empty(len(ids))
    for i in range(len(ids)):
        idfs[i] = _idf(ids[i], counts, logs, top)
    return order_free_sum(idfs)


@njit(cache=True)
def idf_squares(
    ids: np.ndarray, values: np.ndarray, counts: np.ndarray, logs: np.ndarray, top: float
) -> float:
    """Sum of (value * idf)² over the terms."""
    squares = np.empty(len(ids))
    for i in range(len(ids)):
        weighted = values[i] * _idf(ids[i], counts, logs, top)
        squares[i] = weighted * weighted
    return order_free_sum(squares)


@njit(cache=True)
def idf_weighted(
    ids: np.ndarray, values: np.ndarray, counts: np.ndarray, logs: np.ndarray, top: float
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """The terms' values times their IDF, the length of that, the values times the IDF
    twice, and the sum of the first (lexical.py's `ArrayQuery`, one call for seven)."""
    weights = np.empty(len(ids))
    squares = np.empty(len(ids))
    twice = np.empty(len(ids))
    for i in range(len(ids)):
        idf = _idf(ids[i], counts, logs, top)
        weights[i] = values[i] * idf
        squares[i] = weights[i] * weights[i]
        twice[i] = weights[i] * idf
    return weights, math.sqrt(order_free_sum(squares)), twice, order_free_sum(weights)


# An article's comparison with a candidate event, and two parts' comparison, are each
# one call below rather than three or four: a call costs 0.7 to 2 us before any work (its
# arrays checked and unpacked, on the bench's machine), as much as a sum of a few terms.


@njit(cache=True)
def candidate_products(
    words_ids: np.ndarray,
    words_twice: np.ndarray,
    mention_ids: np.ndarray,
    mention_twice: np.ndarray,
    mention_weights: np.ndarray,
    headline_ids: np.ndarray,
    headline_twice: np.ndarray,
    event_words_ids: np.ndarray,
    event_words: np.ndarray,
    event_mention_ids: np.ndarray,
    event_mentions: np.ndarray,
    event_headline_ids: np.ndarray,
    event_headline: np.ndarray,
) -> tuple[float, float, float, float]:
    """`shared_dot` of the article's words, mentions and headline with the event's, and
    the sum of the article's mention weights at the mentions the event holds too."""
    words = shared_dot(words_ids, words_twice, event_words_ids, event_words)
    in_article, in_event = _shared(mention_ids, event_mention_ids)
    mentions = order_free_sum(mention_twice[in_article] * event_mentions[in_event])
    covered = order_free_sum(mention_weights[in_article])
    headline = shared_dot(headline_ids, headline_twice, event_headline_ids, event_headline)
    return words, mentions, covered, headline


@njit(cache=True)
def part_products(
    a_words_ids: np.ndarray,
    a_words: np.ndarray,
    a_mention_ids: np.ndarray,
    a_mentions: np.ndarray,
    a_headline_ids: np.ndarray,
    a_headline: np.ndarray,
    b_words_ids: np.ndarray,
    b_words: np.ndarray,
    b_mention_ids: np.ndarray,
    b_mentions: np.ndarray,
    b_headline_ids: np.ndarray,
    b_headline: np.ndarray,
    word_counts: np.ndarray,
    mention_counts: np.ndarray,
    logs: np.ndarray,
    word_top: float,
    mention_top: float,
) -> tuple[float, float, float, float]:
    """`shared_idf_dot` of two parts' words, `shared_idf_dot_and_mass` of their mentions
    and `shared_idf_dot` of their headlines (words and headlines with the words' IDF)."""
    words = shared_idf_dot(a_words_ids, a_words, b_words_ids, b_words, word_counts, logs, word_top)
    mentions, shared_mass = shared_idf_dot_and_mass(
        a_mention_ids, a_mentions, b_mention_ids, b_mentions, mention_counts, logs, mention_top
    )
    headline = shared_idf_dot(
        a_headline_ids, a_headline, b_headline_ids, b_headline, word_counts, logs, word_top
    )
    return words, mentions, shared_mass, headline


@njit(cache=True)
def merged(
    a_ids: np.ndarray, a_values: np.ndarray, b_ids: np.ndarray, b_values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """a + b: the ids of either (ascending), a term's values added as a's then b's."""
    ids = np.empty(len(a_ids) + len(b_ids), dtype=np.int64)
    values = np.empty(len(a_ids) + len(b_ids))
    n = i = j = 0
    while i < len(a_ids) or j < len(b_ids):
        if j == len(b_ids) or (i < len(a_ids) and a_ids[i] < b_ids[j]):
            ids[n], values[n] = a_ids[i], a_values[i]
            i += 1
        elif i == len(a_ids) or b_ids[j] < a_ids[i]:
            ids[n], values[n] = b_ids[j], b_values[j]
            j += 1
        else:
            ids[n], values[n] = a_ids[i], a_values[i] + b_values[j]
            i += 1
            j += 1
        n += 1
    # Copied to their size: a part's arrays are kept, and its terms shared with the
    # article would otherwise stay allocated at the end of the buffers.
    return ids[:n].copy(), values[:n].copy()


@njit(cache=True)
def top_rows(values: np.ndarray, count: int, floor: float) -> np.ndarray:
    """The rows of the `count` highest values at or above `floor`, highest first (equal
    values: the lower row first). One pass, each value against the lowest kept once
    `count` are: numpy's selection and sort took about ten calls, 14 us (this 2.4) among
    2,000 random values and 49 us (19) among 23,000."""
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    rows = np.empty(count, dtype=np.int64)
    kept = np.empty(count, dtype=values.dtype)
    n = row = 0
    while n < count and row < len(values):  # filling: what reaches the floor
        if values[row] >= floor:
            _keep(values[row], row, n, rows, kept)
            n += 1
        row += 1
    if n < count:
        return rows[:n]
    for later in range(row, len(values)):  # full: what beats the lowest kept, which is rare
        if values[later] > kept[count - 1]:  # an equal value, from a higher row, stays out
            _keep(values[later], later, count - 1, rows, kept)
    return rows


@njit(cache=True)
def _keep(value: float, row: int, at: int, rows: np.ndarray, kept: np.ndarray) -> None:
    """Put the row in its place among the kept, from position `at` (the free one, or the
    lowest, which it drops) upwards, past the lower values only."""
    while at > 0 and kept[at - 1] < value:
        kept[at], rows[at] = kept[at - 1], rows[at - 1]
        at -= 1
    kept[at], rows[at] = value, row


def warm() -> None:
    """Compile every loop for the arrays the index passes (or load it from the cache),
    now rather than in the middle of a batch: after a fresh install that takes about 5 s."""
    ids, values = np.arange(2, dtype=np.int64), np.ones(2)
    order_free_sum(values)
    shared_dot(ids, values, ids, values)
    shared_idf_dot(ids, values, ids, values, ids, values, 1.0)
    shared_idf_dot_and_mass(ids, values, ids, values, ids, values, 1.0)
    idf_sum(ids, ids, values, 1.0)
    idf_squares(ids, values, ids, values, 1.0)
    idf_weighted(ids, values, ids, values, 1.0)
    merged(ids, values, ids, values)
    candidate_products(ids, values, ids, values, values, ids, values, *(ids, values) * 3)
    part_products(*(ids, values) * 6, ids, ids, values, 1.0, 1.0)
    for dtype in (np.float32, np.float64):  # cosines to float32 centroids, or float64
        top_rows(values.astype(dtype), 1, dtype(0.0))
