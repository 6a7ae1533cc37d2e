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
__all__ = ["MIN_TERM_CHARS", "DocumentFrequencies", "TermVector", "WeightedQuery", "term_vector"]


def term_vector(title: str | None, body: str) -> TermVector:
    # Content words of the text's language, names in one form across languages
    # (pipeline/language/words.py).
    counts = Counter(content_words(f"{title or ''}\n{body}"))
    weights = {term: 1.0 + math.log(n) for term, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {term: v / norm for term, v in weights.items()} if norm else {}


class DocumentFrequencies:
    """How many of the held articles contain each term."""

    def __init__(self) -> None:
        self.documents = 0
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

    def idf(self, term: str) -> float:
        # Smoothed, and counting the article being matched as one more document.
        return math.log((self.documents + 2) / (self._counts.get(term, 0) + 1)) + 1.0

    def weigher(self) -> Callable[[str], float]:
        """idf as a fast function, for the current counts."""
        top = math.log(self.documents + 2) + 1.0
        counts = self._counts
        logs = _LOG_1P
        if len(logs) <= self.documents + 1:
            logs.extend(math.log(k + 1) for k in range(len(logs), 2 * self.documents + 2))
        return lambda term: top - logs[counts.get(term, 0)]

    def parts(self) -> tuple[float, list[float], Callable[[str, int], int]]:
        """What `weigher` closes over (top, the table of logs, the count lookup), for loops
        that inline `top - logs[count(term, 0)]`: the same values, without a call per term."""
        self.weigher()  # grows the table of logs if needed
        return math.log(self.documents + 2) + 1.0, _LOG_1P, self._counts.get


_LOG_1P: list[float] = [0.0]  # log(k + 1), grown on demand


class WeightedQuery:
    """An article's words weighted by the current IDF, ready to be compared with the
    words of several events (the article side is computed once)."""

    def __init__(self, article: TermVector, df: DocumentFrequencies) -> None:
        self._idf = df.weigher()
        self._parts = df.parts()
        self._weights = {t: v * self._idf(t) for t, v in article.items()}
        self._norm = math.sqrt(sum(w * w for w in self._weights.values()))

    def cosine(self, event: TermVector) -> float:
        """Cosine of the article and the event once each term is weighted by its IDF."""
        idf = self._idf
        dot = sum(w * event.get(t, 0.0) * idf(t) for t, w in self._weights.items())
        if dot <= 0.0:
            return 0.0
        # The event side is long (an event gathers its members' words): idf inlined, the
        # same arithmetic in the same order as `(v * idf(t)) ** 2` summed term by term.
        top, logs, count = self._parts
        event_norm = math.sqrt(
            sum([(v * (top - logs[count(t, 0)])) ** 2 for t, v in event.items()])
        )
        return dot / (self._norm * event_norm)
