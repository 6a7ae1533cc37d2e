"""pipeline/events/lexical.py: an article's term vector (log term frequency, unit length,
short words dropped), document frequencies that follow the articles held, and the
IDF-weighted cosine of an article against events, and of two events."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from pipeline.events.lexical import (
    ArrayQuery,
    ArticleQuery,
    DocumentFrequencies,
    SparseTerms,
    TextArrays,
    pair_products,
    summed,
    term_vector,
)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def _idf_weighted(vector: dict[str, float], df: DocumentFrequencies) -> dict[str, float]:
    return {t: v * df.idf(t) for t, v in vector.items()}


def _idf_norm(vector: dict[str, float], df: DocumentFrequencies) -> float:
    return _norm(_idf_weighted(vector, df))


def _idf_dot(a: dict[str, float], b: dict[str, float], df: DocumentFrequencies) -> float:
    return sum(v * b[t] * df.idf(t) ** 2 for t, v in a.items() if t in b)


def test_term_vector_is_log_weighted_and_unit_length() -> None:
    vector = term_vector("Quake", "quake quake hits Qeshm")
    assert set(vector) == {"quake", "hits", "qeshm"}
    assert _norm(vector) == pytest.approx(1.0)
    # Three occurrences (title included) against one: 1 + ln 3 against 1.
    assert vector["quake"] / vector["qeshm"] == pytest.approx(1 + math.log(3))
    assert vector["hits"] == pytest.approx(vector["qeshm"])


def test_term_vector_folds_case_and_accents_and_drops_short_words() -> None:
    assert term_vector(None, "Élysée") == term_vector(None, "ELYSEE") == {"elysee": 1.0}
    # Words under three characters carry no evidence; only "the" is left here.
    assert set(term_vector("A la", "le of at to the")) == {"the"}
    assert term_vector(None, "a b of") == {}
    assert term_vector(None, "") == {}


def test_term_vector_reads_the_title_too() -> None:
    assert "parliament" in term_vector("Parliament votes", "The budget passed.")
    assert "parliament" not in term_vector(None, "The budget passed.")


def test_document_frequencies_count_the_articles_held() -> None:
    df = DocumentFrequencies()
    unseen = df.idf("quake")
    for text in ("quake qeshm dead", "quake hormozgan hurt", "quake parliament budget"):
        df.add(set(term_vector(None, text)))
    assert df.documents == 3
    # A term in every article weighs less than one in a single article, which weighs
    # less than a term no article has.
    assert df.idf("quake") < df.idf("qeshm") < df.idf("nothing")
    assert df.idf("quake") == pytest.approx(math.log(5 / 4) + 1.0)
    assert df.idf("qeshm") == pytest.approx(math.log(5 / 2) + 1.0)
    assert unseen == pytest.approx(math.log(2) + 1.0)


def test_removing_articles_forgets_their_terms() -> None:
    df = DocumentFrequencies()
    df.add({"quake", "qeshm"})
    df.add({"quake", "hormozgan"})
    before = df.idf("hormozgan")
    df.remove(Counter({"quake": 1, "qeshm": 1}), 1)
    assert df.documents == 1
    assert df.idf("qeshm") == df.idf("never-seen")  # gone, as if never seen
    assert df.idf("quake") == df.idf("hormozgan")  # both now in the one article left
    assert df.idf("hormozgan") != before  # fewer documents: another weight


def test_the_fast_weights_are_the_idf() -> None:
    df = DocumentFrequencies()
    for terms in ({"a1", "b1"}, {"a1"}, {"a1", "c1"}, {"d1"}):
        df.add(terms)
    for term in ("a1", "b1", "c1", "d1", "unknown"):
        assert _fast_idf(df, term) == pytest.approx(df.idf(term))
    for n in range(40):  # grow past the table of logarithms the weights keep
        df.add({"a1", f"new{n}"})
    for term in ("a1", "b1", "new3", "unknown"):
        assert _fast_idf(df, term) == pytest.approx(df.idf(term))


def _texts(terms: SparseTerms) -> TextArrays:
    """The same terms as words, mentions and headline."""
    return TextArrays(terms, terms, terms)


def _dot(a: SparseTerms, b: SparseTerms, df: DocumentFrequencies) -> float:
    """The IDF-weighted product of two texts' words (`pair_products`)."""
    weights = df.weights()
    return pair_products(weights, weights, _texts(a), _texts(b))[0]


def _words_product(query: ArrayQuery, event: SparseTerms) -> float:
    """An article's IDF-weighted product with an event's words (`ArticleQuery`)."""
    return ArticleQuery(query, None, None).products(_texts(event))[0]


def _cosine(query: ArrayQuery, event: SparseTerms, df: DocumentFrequencies) -> float:
    product = _words_product(query, event)
    return product / (query.norm * df.weights().sparse_norm(event)) if product > 0.0 else 0.0


def _fast_idf(df: DocumentFrequencies, term: str) -> float:
    """The term's IDF as the compared arrays read it (by id, from the table of logs)."""
    return df.weights().sparse_mass(df.sparse({term: 1.0}))


def test_the_weighted_sums_follow_the_idf() -> None:
    df = DocumentFrequencies(prior_documents=3)
    for terms in ({"quake", "qeshm"}, {"quake"}, {"budget", "quake"}):
        df.add(terms)
    a = df.sparse({"quake": 0.6, "qeshm": 0.8})
    b = df.sparse({"quake": 0.5, "budget": 0.5, "never": 0.7})
    empty = df.sparse({})
    idf, weights = df.idf, df.weights()
    assert weights.sparse_norm(a) == pytest.approx(
        math.hypot(0.6 * idf("quake"), 0.8 * idf("qeshm"))
    )
    dot = 0.6 * 0.5 * idf("quake") ** 2  # shared: quake
    assert weights.sparse_mass(b) == pytest.approx(idf("quake") + idf("budget") + idf("never"))
    # Words, mentions and headline alike (here with the same statistics), and the
    # mentions' IDF summed over the terms both hold.
    assert pair_products(weights, weights, _texts(a), _texts(b)) == pytest.approx(
        (dot, dot, idf("quake"), dot)
    )
    assert pair_products(weights, weights, _texts(a), _texts(empty)) == (0.0, 0.0, 0.0, 0.0)
    assert pair_products(weights, weights, _texts(empty), _texts(b)) == (0.0, 0.0, 0.0, 0.0)
    assert weights.sparse_mass(empty) == 0.0


def _brute_force_cosine(
    article: dict[str, float], event: dict[str, float], df: DocumentFrequencies
) -> float:
    return max(0.0, _idf_dot(article, event, df) / (_idf_norm(article, df) * _idf_norm(event, df)))


def test_weighted_cosine_is_the_idf_weighted_cosine() -> None:
    df = DocumentFrequencies()
    texts = [
        "Magnitude 6.1 quake hits Qeshm island, ten dead",
        "Ten killed as 6.1 quake strikes Qeshm, Iran",
        "Magnitude 5.6 quake jolts Hormozgan, three hurt",
        "Parliament passes the budget after a night of debate",
    ]
    vectors = [term_vector(None, t) for t in texts]
    for vector in vectors:
        df.add(vector.keys())
    query = ArrayQuery(df.sparse(vectors[0]), df)
    assert _cosine(query, df.sparse(vectors[0]), df) == pytest.approx(1.0)
    assert query.norm == pytest.approx(_idf_norm(vectors[0], df))
    for event in vectors[1:3]:
        expected = _brute_force_cosine(vectors[0], event, df)
        assert _cosine(query, df.sparse(event), df) == pytest.approx(expected)
        product = _words_product(query, df.sparse(event))
        assert product == pytest.approx(_idf_dot(vectors[0], event, df))
    assert _cosine(query, df.sparse(vectors[3]), df) == 0.0  # no word in common
    assert _cosine(query, df.sparse({}), df) == 0.0


def test_coverage_is_the_idf_weighted_share_of_the_article_s_terms_the_event_holds() -> None:
    df = DocumentFrequencies()
    for terms in ({"quake", "qeshm"}, {"quake"}, {"budget"}):
        df.add(terms)
    article = {"quake": 0.6, "qeshm": 0.8}
    query = ArticleQuery(None, ArrayQuery(df.sparse(article), df), None)
    weighted = _idf_weighted(article, df)

    def coverage(event: dict[str, float], query: ArticleQuery = query) -> float:
        return query.products(_texts(df.sparse(event)))[2]

    # Only the presence of a term in the event counts, not its weight there.
    assert coverage({"qeshm": 0.1, "budget": 0.9}) == pytest.approx(
        weighted["qeshm"] / sum(weighted.values())
    )
    assert coverage({"quake": 5.0, "qeshm": 0.1}) == pytest.approx(1.0)
    assert coverage({"budget": 1.0}) == 0.0
    assert coverage(article, ArticleQuery(None, ArrayQuery(df.sparse({}), df), None)) == 0.0
    assert coverage(article, ArticleQuery(None, None, None)) == 0.0  # mentions not read


def test_a_shared_rare_word_counts_more_than_a_shared_common_one() -> None:
    df = DocumentFrequencies()
    for n in range(10):
        df.add({"quake", f"filler{n}"})
    df.add({"qeshm"})
    article = term_vector(None, "quake qeshm")
    by_rare = term_vector(None, "qeshm island")
    by_common = term_vector(None, "quake island")
    query = ArrayQuery(df.sparse(article), df)
    # Without IDF the two events would be equally close to the article.
    assert sum(article[t] * by_rare.get(t, 0) for t in article) == pytest.approx(
        sum(article[t] * by_common.get(t, 0) for t in article)
    )
    assert _cosine(query, df.sparse(by_rare), df) > _cosine(query, df.sparse(by_common), df) > 0.0


def test_prior_documents_keep_a_cold_start_from_calling_every_word_common() -> None:
    """With one live article, every word it holds would weigh as a common one against
    words never seen; prior documents keep the weights near even until the stream fills."""
    cold, primed = DocumentFrequencies(), DocumentFrequencies(prior_documents=20)
    for df in (cold, primed):
        df.add({"canicule", "rouge"})
    assert cold.idf("canicule") / cold.idf("unseen") < 0.7
    assert primed.idf("canicule") / primed.idf("unseen") > 0.8
    for n in range(2000):  # a full live window: the prior fades
        primed.add({f"word{n}"})
        cold.add({f"word{n}"})
    assert primed.idf("canicule") == pytest.approx(cold.idf("canicule"), rel=0.01)
    assert _fast_idf(primed, "canicule") == pytest.approx(primed.idf("canicule"))


def _frequencies(texts: list[str]) -> tuple[DocumentFrequencies, list[dict[str, float]]]:
    df = DocumentFrequencies(prior_documents=2)
    vectors = [term_vector(None, t) for t in texts]
    for vector in vectors:
        df.add(vector.keys())
    return df, vectors


TEXTS = [
    "Magnitude 6.1 quake hits Qeshm island, ten dead",
    "Ten killed as 6.1 quake strikes Qeshm, Iran; rescuers search the island",
    "Magnitude 5.6 quake jolts Hormozgan, three hurt",
    "Parliament passes the budget after a night of debate",
]


def test_the_sums_over_arrays_are_the_sums_over_dicts() -> None:
    df, vectors = _frequencies(TEXTS)
    event = {t: 0.5 * v for t, v in vectors[1].items()}
    for t, v in vectors[2].items():  # an event of two articles: the sums of their vectors
        event[t] = event.get(t, 0.0) + v
    arrays = summed(df.sparse({t: 0.5 * v for t, v in vectors[1].items()}), df.sparse(vectors[2]))
    assert dict(zip(arrays.ids.tolist(), arrays.weights.tolist(), strict=True)) == {
        df.sparse({t: 1.0}).ids[0]: v for t, v in event.items()
    }
    weights = df.weights()
    assert weights.sparse_norm(arrays) == pytest.approx(_idf_norm(event, df))
    for vector in vectors:
        assert _dot(df.sparse(vector), arrays, df) == pytest.approx(_idf_dot(vector, event, df))
        query = ArrayQuery(df.sparse(vector), df)
        assert _cosine(query, arrays, df) == pytest.approx(_brute_force_cosine(vector, event, df))
    assert _dot(df.sparse({}), arrays, df) == 0.0
    unrelated = df.sparse(term_vector(None, "parliament budget debate"))
    assert _cosine(ArrayQuery(unrelated, df), arrays, df) == 0.0  # nothing shared


def test_the_sums_do_not_depend_on_the_order_ids_were_handed_out_in() -> None:
    """A restart hands the ids out in another order; the scores must come out the same
    to the last bit (tests/unit/events/test_restart_exact.py)."""
    first, vectors = _frequencies(TEXTS)
    again, _ = _frequencies(TEXTS[::-1])
    for df in (first, again):
        for vector in vectors if df is first else vectors[::-1]:
            df.sparse(vector)  # ids in the order of first sight
    assert first.sparse(vectors[0]).ids.tolist() != again.sparse(vectors[0]).ids.tolist()
    a, b = vectors[0], {**vectors[1], **vectors[2]}
    results = [
        (
            _dot(df.sparse(a), df.sparse(b), df),
            df.weights().sparse_norm(df.sparse(b)),
            _cosine(ArrayQuery(df.sparse(a), df), df.sparse(b), df),
        )
        for df in (first, again)
    ]
    assert results[0] == results[1]


def test_compacting_keeps_the_terms_in_use_and_their_counts() -> None:
    df, vectors = _frequencies(TEXTS)
    kept = df.sparse(vectors[0])
    before = (df.weights().sparse_norm(kept), _dot(kept, kept, df))
    for n in range(1 << 16):  # terms of articles long gone: ids handed out, never counted
        df.sparse({f"gone{n}": 1.0})
    assert df.needs_compacting()
    new_ids = df.compact(kept.ids)
    assert not df.needs_compacting()
    assert len(df._ids) == len(vectors[0])
    renumbered = kept.renumbered(new_ids)
    assert list(renumbered.ids) == sorted(renumbered.ids) == list(range(len(vectors[0])))
    again = df.sparse(vectors[0])  # the terms take the same ids when they come again
    assert np.array_equal(renumbered.ids, again.ids)
    assert np.array_equal(renumbered.weights, again.weights)
    assert (df.weights().sparse_norm(renumbered), _dot(renumbered, renumbered, df)) == before
    # A term counted but given no id before takes its count with a new id.
    other = df.sparse(vectors[1])
    assert df.weights().sparse_norm(other) == pytest.approx(_idf_norm(vectors[1], df))
    df.remove(Counter(vectors[0].keys()), 1)
    assert df.weights().sparse_norm(df.sparse(vectors[0])) == pytest.approx(
        _idf_norm(vectors[0], df)
    )
