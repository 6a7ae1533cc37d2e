"""Word-overlap similarity for event matching: TF-IDF cosine with statistics learned
from the stream itself.

An article is a bag of words (log term frequency, unit length; no IDF, so it depends on
its text alone). Document frequencies are counted over the articles the event index
currently holds, so they follow the live window, are bounded, and are rebuilt exactly
from the stored articles on restart. IDF is applied when two texts are compared: a
name or a number that few live articles share weighs much more than a common word.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

from pipeline.language.words import MIN_TERM_CHARS, content_words

TermVector = dict[str, float]
__all__ = [
    "MIN_TERM_CHARS",
    "DocumentFrequencies",
    "IdfWeights",
    "TermVector",
    "WeightedQuery",
    "term_vector",
]


def term_vector(title: str | None, body: str) -> TermVector:
    # Content words of the text's language, names in one form across languages
    # (pipeline/language/words.py).
    counts = Counter(content_words(f"{title or ''}\n{body}"))
    weights = {term: 1.0 + math.log(n) for term, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {term: v / norm for term, v in weights.items()} if norm else {}


class DocumentFrequencies:
    """How many of the held articles contain each term; `prior_documents` more articles,
    holding no term, are counted in the total (see MatchModel.idf_prior_documents)."""

    def __init__(self, prior_documents: int = 0) -> None:
        self.documents = 0
        self.prior_documents = prior_documents
        self._counts: Counter[str] = Counter()

    def add(self, terms: Iterable[str]) -> None:
        """One more article, with these distinct terms."""
        self.documents += 1
        self._counts.update(terms)

    def remove(self, term_documents: Counter[str], documents: int) -> None:
        """Articles leaving: how many of them had each term, and how many they were."""
        self.documents -= documents
        self._counts.subtract(term_documents)
        for term in [t for t in term_documents if self._counts[t] <= 0]:
            del self._counts[term]

    def put_back(self, term_documents: Counter[str], documents: int) -> None:
        """Articles coming back (an event reopened): the inverse of `remove`."""
        self.documents += documents
        self._counts.update(term_documents)

    def idf(self, term: str) -> float:
        # Smoothed, and counting the article being matched as one more document.
        total = self.documents + self.prior_documents
        return math.log((total + 2) / (self._counts.get(term, 0) + 1)) + 1.0

    def weights(self) -> IdfWeights:
        """`idf` for the current counts, fast, with the weighted sums the index needs."""
        logs = _LOG_1P
        if len(logs) <= self.documents + 1:
            logs.extend(math.log(k + 1) for k in range(len(logs), 2 * self.documents + 2))
        top = math.log(self.documents + self.prior_documents + 2) + 1.0
        return IdfWeights(top, self._counts.get, logs)


class IdfWeights:
    """IDF-weighted sums over term vectors, for one state of the counts. The IDF is
    written out in each loop (no call per term): parts hold hundreds of terms, and the
    grouping compares many pairs of them."""

    def __init__(self, top: float, count: Callable[[str, int], int], logs: list[float]):
        self.top, self.count, self.logs = top, count, logs

    def idf(self, term: str) -> float:
        return self.top - self.logs[self.count(term, 0)]

    def norm(self, terms: TermVector) -> float:
        """The vector's length once each term is weighted by its IDF."""
        top, count, logs = self.top, self.count, self.logs
        return math.sqrt(sum((v * (top - logs[count(t, 0)])) ** 2 for t, v in terms.items()))

    def dot(self, a: TermVector, b: TermVector) -> float:
        """The product of the two vectors once each term is weighted by its IDF; read over
        the shared terms only, and summed exactly (fsum), since they come in no fixed
        order."""
        top, count, logs = self.top, self.count, self.logs
        return math.fsum(a[t] * b[t] * (top - logs[count(t, 0)]) ** 2 for t in a.keys() & b.keys())

    def mass(self, terms: TermVector) -> float:
        """The IDF summed over the vector's terms."""
        top, count, logs = self.top, self.count, self.logs
        return sum(top - logs[count(t, 0)] for t in terms)

    def shared_mass(self, a: TermVector, b: TermVector) -> float:
        """The IDF summed over the terms both vectors hold."""
        top, count, logs = self.top, self.count, self.logs
        return math.fsum(top - logs[count(t, 0)] for t in a.keys() & b.keys())


_LOG_1P: list[float] = [0.0]  # log(k + 1), grown on demand


class WeightedQuery:
    """An article's words weighted by the current IDF, ready to be compared with the
    words of several events (the article side is computed once)."""

    def __init__(self, article: TermVector, df: DocumentFrequencies) -> None:
        self._idf = df.weights()
        idf = self._idf.idf
        self._weights = {t: v * idf(t) for t, v in article.items()}
        self._norm = math.sqrt(sum(w * w for w in self._weights.values()))
        # Each term's weight times its IDF once more: the event side's IDF, folded in.
        self._twice = [(t, w * idf(t)) for t, w in self._weights.items()]

    def coverage(self, event: TermVector) -> float:
        """The IDF-weighted share of the article's terms that the event holds at all."""
        total = sum(self._weights.values())
        if total <= 0.0:
            return 0.0
        return sum(w for t, w in self._weights.items() if t in event) / total

    def norm(self, event: TermVector) -> float:
        """The event's length once each term is weighted by its IDF."""
        return self._idf.norm(event)

    def cosine(self, event: TermVector, event_norm: float | None = None) -> float:
        """Cosine of the article and the event once each term is weighted by its IDF;
        `event_norm` (from `norm`, maybe with slightly older statistics) saves a pass
        over a large event's terms."""
        get = event.get
        dot = sum(w * get(t, 0.0) for t, w in self._twice)
        if dot <= 0.0:
            return 0.0
        if event_norm is None:
            event_norm = self.norm(event)
        return dot / (self._norm * event_norm) if event_norm else 0.0
