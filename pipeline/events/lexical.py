"""Word-overlap similarity for event matching: TF-IDF cosine with statistics learned
from the stream itself.

An article is a bag of words (log term frequency, unit length; no IDF, so it depends on
its text alone). Document frequencies are counted over the articles the event index
currently holds, so they follow the live window, are bounded, and are rebuilt exactly
from the stored articles on restart. IDF is applied when two texts are compared: a
name or a number that few live articles share weighs much more than a common word.

Texts are compared as arrays (`SparseTerms`: term ids ascending, and their weights), by
compiled loops (pipeline/events/kernels.py): an article holds hundreds of words and a
large event thousands, and even a headline's or names' few terms were slower to compare
as dicts (lookups and set operations in Python, for each of an article's candidates).
Every sum over terms gives the same bits whatever the order the terms came in
(`kernels.order_free_sum`): a restart hands out the ids in another order, yet a score
must come out the same to the last bit.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import NamedTuple

import numpy as np

from pipeline.language.words import MIN_TERM_CHARS, word_counts

TermVector = dict[str, float]
__all__ = [
    "MIN_TERM_CHARS",
    "ArrayQuery",
    "ArticleQuery",
    "DocumentFrequencies",
    "IdfWeights",
    "SparseTerms",
    "TermVector",
    "TextArrays",
    "load_compiled",
    "pair_products",
    "summed",
    "term_vector",
    "weighted",
]


@functools.cache
def _kernels() -> ModuleType:
    """The compiled loops, imported on first use: numba and its compiler take about
    100 MB of memory, which a worker that compares no texts (embedding alone) need not
    hold."""
    from pipeline.events import kernels

    kernels.warm()
    return kernels


def load_compiled() -> ModuleType:
    """The compiled loops, ready (`kernels.warm`): the index asks for them when it is
    built, so that no batch waits for them."""
    return _kernels()


def term_vector(title: str | None, body: str) -> TermVector:
    # Content words of the text's language, names in one form across languages
    # (pipeline/language/words.py).
    return weighted(word_counts(title, body))


@functools.cache  # counts are small numbers, and the same ones come back
def _log_weight(count: int) -> float:
    return 1.0 + math.log(count)


def weighted(counts: Mapping[str, int]) -> TermVector:
    """Term counts (`word_counts`) as a term vector."""
    # Written with map: every article's words pass here, hundreds of them.
    weights = list(map(_log_weight, counts.values()))
    norm = math.sqrt(sum(map(operator.mul, weights, weights)))
    return dict(zip(counts, map(norm.__rtruediv__, weights), strict=True)) if norm else {}


class SparseTerms(NamedTuple):
    """A term vector as arrays, for `DocumentFrequencies` that gave the ids."""

    ids: np.ndarray  # int64, ascending
    weights: np.ndarray  # float64

    def renumbered(self, new_ids: np.ndarray) -> SparseTerms:
        """The same terms under the ids `DocumentFrequencies.compact` gave them (in the
        same order: still ascending)."""
        return SparseTerms(new_ids[self.ids], self.weights)


class TextArrays(NamedTuple):
    """A text's words, mentions and headline as arrays (the ids of the words' and the
    mentions' DocumentFrequencies): what texts are compared by."""

    words: SparseTerms
    mentions: SparseTerms
    headline: SparseTerms


def summed(a: SparseTerms, b: SparseTerms) -> SparseTerms:
    """a + b, each term's weights added in that order (as a dict of sums adds them)."""
    return SparseTerms(*_kernels().merged(a.ids, a.weights, b.ids, b.weights))


COMPACT_FROM = 1 << 16  # term ids handed out before the first `compact`


class DocumentFrequencies:
    """How many of the held articles contain each term; `prior_documents` more articles,
    holding no term, are counted in the total (see MatchModel.idf_prior_documents).

    The counts of the terms of `SparseTerms` are also kept by term id in an array, for the
    sums over them. Ids are handed out by `sparse` and taken back by `compact`; the
    `SparseTerms` kept are then renumbered, as they are the only record of their terms
    (an event's texts are not kept as dicts besides)."""

    def __init__(self, prior_documents: int = 0) -> None:
        self.documents = 0
        self.prior_documents = prior_documents
        self.changes = 0  # how often the counts changed: a length measured since holds
        self._counts: Counter[str] = Counter()
        self._ids: dict[str, int] = {}
        self._terms: list[str] = []  # by id
        self.by_id = np.zeros(1024, dtype=np.int64)  # the counts, by term id
        self._compacted_at = 0  # how many ids there were after the last `compact`
        self._weights: IdfWeights | None = None
        self._weights_documents = 0

    def add(self, terms: Iterable[str], ids: np.ndarray | None = None) -> None:
        """One more article, with these distinct terms (and their ids, where `sparse` gave
        them)."""
        terms = list(terms)
        self.documents += 1
        self.changes += 1
        self._counts.update(terms)
        self.by_id[self._known(terms) if ids is None else ids] += 1

    def remove(self, term_documents: Counter[str], documents: int) -> None:
        """Articles leaving: how many of them had each term, and how many they were."""
        self.documents -= documents
        self.changes += 1
        self._counts.subtract(term_documents)
        ids, counts = self._known_counts(term_documents)
        self.by_id[ids] -= counts
        for term in [t for t in term_documents if self._counts[t] <= 0]:
            del self._counts[term]

    def put_back(self, term_documents: Counter[str], documents: int) -> None:
        """Articles coming back (an event reopened): the inverse of `remove`."""
        self.documents += documents
        self.changes += 1
        self._counts.update(term_documents)
        ids, counts = self._known_counts(term_documents)
        self.by_id[ids] += counts

    def sparse(self, vector: TermVector) -> SparseTerms:
        """The vector as arrays, by term id."""
        ids = np.array(self._ids_of(vector), dtype=np.int64)
        weights = np.fromiter(vector.values(), dtype=np.float64, count=len(vector))
        order = np.argsort(ids)
        return SparseTerms(ids[order], weights[order])

    def needs_compacting(self) -> bool:
        """Twice the ids there were after the last `compact` (and at least COMPACT_FROM):
        terms seen once, by articles long gone, keep their ids until then."""
        return len(self._ids) > max(2 * self._compacted_at, COMPACT_FROM)

    def compact(self, in_use: np.ndarray) -> np.ndarray:
        """Keep the ids in `in_use` only (those of the arrays kept), numbered anew in the
        order they had; returns the new id of each old one (-1: taken back), to renumber
        the arrays kept with (`SparseTerms.renumbered`): any other is void."""
        kept = np.unique(in_use)
        new_ids = np.full(len(self._terms), -1, dtype=np.int64)
        new_ids[kept] = np.arange(len(kept))
        counts = self.by_id[kept]
        self._terms = [self._terms[i] for i in kept.tolist()]
        self._ids = {term: n for n, term in enumerate(self._terms)}
        self.by_id = np.zeros(max(1024, 2 * len(kept)), dtype=np.int64)
        self.by_id[: len(kept)] = counts
        self._compacted_at = len(kept)
        return new_ids

    def _known(self, terms: list[str]) -> list[int]:
        """The ids of those of the terms that have one."""
        ids = self._ids
        return [ids[t] for t in terms if t in ids]

    def _known_counts(self, term_counts: Counter[str]) -> tuple[list[int], np.ndarray]:
        """The ids of those of the terms that have one, and their counts."""
        ids = self._ids
        known = [t for t in term_counts if t in ids]
        return [ids[t] for t in known], np.array([term_counts[t] for t in known], dtype=np.int64)

    def _ids_of(self, terms: Iterable[str]) -> list[int]:
        """The terms' ids, handed out to those without one."""
        ids = self._ids
        terms = list(terms)
        new = list(dict.fromkeys(itertools.filterfalse(ids.__contains__, terms)))
        if new:
            first = len(ids)
            ids.update((term, first + n) for n, term in enumerate(new))
            self._terms += new
            if len(ids) > len(self.by_id):
                grown = np.zeros(2 * len(ids), dtype=np.int64)
                grown[:first] = self.by_id[:first]
                self.by_id = grown
            self.by_id[first : len(ids)] = [self._counts.get(t, 0) for t in new]
        return list(map(ids.__getitem__, terms))

    def idf(self, term: str) -> float:
        # Smoothed, and counting the article being matched as one more document.
        total = self.documents + self.prior_documents
        return math.log((total + 2) / (self._counts.get(term, 0) + 1)) + 1.0

    def weights(self) -> IdfWeights:
        """`idf` for the current counts, fast, with the weighted sums the index needs
        (made again only when the number of documents changed: it reads the counts as
        they are)."""
        if self._weights is None or self._weights_documents != self.documents:
            _LOGS.reach(self.documents + 1)
            top = math.log(self.documents + self.prior_documents + 2) + 1.0
            self._weights, self._weights_documents = IdfWeights(top, self), self.documents
        return self._weights


class IdfWeights:
    """IDF-weighted sums over term vectors as arrays, for one state of the counts, each one
    call to a compiled loop (the IDF written out in it): parts hold hundreds of terms, and
    the grouping compares many pairs of them."""

    def __init__(self, top: float, frequencies: DocumentFrequencies):
        self.top = top
        self._frequencies = frequencies

    def weighted(self, terms: SparseTerms) -> tuple[np.ndarray, float, np.ndarray, float]:
        """`kernels.idf_weighted` of the vector's terms."""
        return _kernels().idf_weighted(
            terms.ids, terms.weights, self._frequencies.by_id, _LOGS.array, self.top
        )

    def sparse_norm(self, terms: SparseTerms) -> float:
        """The vector's length once each term is weighted by its IDF."""
        return math.sqrt(
            _kernels().idf_squares(
                terms.ids, terms.weights, self._frequencies.by_id, _LOGS.array, self.top
            )
        )

    def sparse_mass(self, terms: SparseTerms) -> float:
        """The IDF summed over the vector's terms."""
        return _kernels().idf_sum(terms.ids, self._frequencies.by_id, _LOGS.array, self.top)


class _LogTable:
    """log(k + 1) for k = 0, 1, 2..., grown on demand (as a list), read as an array (by
    `IdfWeights` and its compiled loops)."""

    def __init__(self) -> None:
        self.values: list[float] = [0.0]
        self.array = np.array(self.values)

    def reach(self, k: int) -> None:
        if len(self.values) <= k:
            self.values.extend(math.log(n + 1) for n in range(len(self.values), 2 * k + 1))
            self.array = np.array(self.values)


_LOGS = _LogTable()


class ArrayQuery:
    """An article's terms of one kind (words, mentions or headline) weighted by the
    current IDF, ready to be compared with the terms of several events (the article side
    is computed once): `ArticleQuery` compares them."""

    def __init__(self, article: SparseTerms, df: DocumentFrequencies) -> None:
        self.ids = article.ids
        # `twice`: the event side's IDF folded in.
        self.weights, self.norm, self.twice, self.total = df.weights().weighted(article)


_NO_IDS, _NO_VALUES = np.zeros(0, dtype=np.int64), np.zeros(0)


class ArticleQuery:
    """An article's words, mentions and headline (an `ArrayQuery` each, or None for what
    the model does not read), compared with an event's in one compiled call."""

    def __init__(
        self, words: ArrayQuery | None, mentions: ArrayQuery | None, headline: ArrayQuery | None
    ) -> None:
        self.words, self.mentions, self.headline = words, mentions, headline
        self._arrays = (
            *((words.ids, words.twice) if words else (_NO_IDS, _NO_VALUES)),
            *(
                (mentions.ids, mentions.twice, mentions.weights)
                if mentions
                else (_NO_IDS, _NO_VALUES, _NO_VALUES)
            ),
            *((headline.ids, headline.twice) if headline else (_NO_IDS, _NO_VALUES)),
        )

    def products(self, event: TextArrays) -> tuple[float, float, float, float]:
        """The article's products with the event's words, mentions and headline once each
        term is weighted by its IDF (`ArrayQuery.norm` and the event's
        `IdfWeights.sparse_norm` make each a cosine), and the coverage of the article's
        mentions: the IDF-weighted share of them the event holds at all. 0.0 for what
        the model does not read."""
        words, mentions, covered, headline = _kernels().candidate_products(
            *self._arrays,
            event.words.ids,
            event.words.weights,
            event.mentions.ids,
            event.mentions.weights,
            event.headline.ids,
            event.headline.weights,
        )
        total = self.mentions.total if self.mentions else 0.0
        return words, mentions, covered / total if total > 0.0 else 0.0, headline


def pair_products(
    words: IdfWeights, mentions: IdfWeights, a: TextArrays, b: TextArrays
) -> tuple[float, float, float, float]:
    """The products of two texts' words, mentions and headlines once each term is
    weighted by its IDF (`words` for words and headlines, `mentions` for mentions), and
    the mentions' IDF summed over the terms both hold."""
    return _kernels().part_products(
        a.words.ids,
        a.words.weights,
        a.mentions.ids,
        a.mentions.weights,
        a.headline.ids,
        a.headline.weights,
        b.words.ids,
        b.words.weights,
        b.mentions.ids,
        b.mentions.weights,
        b.headline.ids,
        b.headline.weights,
        words._frequencies.by_id,
        mentions._frequencies.by_id,
        _LOGS.array,
        words.top,
        mentions.top,
    )
