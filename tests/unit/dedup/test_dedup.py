"""Near-duplicate detection on real text: the wire-copy edits outlets make are caught;
independent reports of the same event are not copies."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.dedup.fingerprint import Fingerprinter, containment, jaccard
from pipeline.dedup.index import NearDuplicateIndex
from tests.support.paths import SEED_ARTICLES

SEED = [json.loads(line) for line in SEED_ARTICLES.open()]
T0 = datetime(2025, 7, 3, 10, tzinfo=UTC)
fingerprinter = Fingerprinter()


def _index_with_seed() -> NearDuplicateIndex:
    index = NearDuplicateIndex()
    for article in SEED:
        fp = fingerprinter.fingerprint(article["body"])
        assert index.find(fp) is None, f"{article['id']} was taken for a copy"
        index.add(article["id"], fp, article["id"], T0)
    return index


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


ORIGINAL = SEED[0]["body"]
EDITS = {
    "agency dateline": "MOSCOU, 3 juillet (AFP) - " + ORIGINAL,
    "footer and read-also": ORIGINAL + "\nLire aussi : notre dossier Ukraine\n© AFP",
    "light edits": ORIGINAL.replace("a réaffirmé", "a redit")
    .replace("franche", "directe")
    .replace("Moscou", "la Russie", 2),
    "first two paragraphs": "\n".join(_paragraphs(ORIGINAL)[:2]),
    "first paragraph": _paragraphs(ORIGINAL)[0],
    # 28 words where a lead has 60: all inside the original's lead, a lead Jaccard of 0.45.
    "first 26 words": " ".join(ORIGINAL.split()[:26]),
    "html wrapped": "".join(f"<p>{p}</p>" for p in _paragraphs(ORIGINAL)),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_wire_copies_are_caught(edit: str) -> None:
    from pipeline.text import clean_text

    index = _index_with_seed()
    match = index.find(fingerprinter.fingerprint(clean_text(EDITS[edit])))
    assert match is not None, edit
    assert match.canonical_id == SEED[0]["id"]


def test_independent_reports_are_not_copies() -> None:
    _index_with_seed()  # asserts none of the five matches an earlier one
    prints = [fingerprinter.fingerprint(a["body"]) for a in SEED]
    for a, b in itertools.combinations(prints, 2):
        assert jaccard(a.signature, b.signature) < 0.1


def test_a_short_passage_from_further_down_is_not_a_truncation() -> None:
    # All inside the original, but not where it starts: a quotation, not a copy.
    index = _index_with_seed()
    assert index.find(fingerprinter.fingerprint(" ".join(ORIGINAL.split()[-25:]))) is None


def test_a_copy_of_a_copy_links_to_the_first_article() -> None:
    index = _index_with_seed()
    first_copy = fingerprinter.fingerprint(EDITS["agency dateline"])
    index.add("copy-1", first_copy, index.find(first_copy).canonical_id, T0)  # type: ignore[union-attr]
    second = fingerprinter.fingerprint(EDITS["agency dateline"] + "\nMis à jour à 12h.")
    match = index.find(second)
    assert match is not None and match.canonical_id == SEED[0]["id"]


def test_old_entries_leave_the_index() -> None:
    index = _index_with_seed()
    assert len(index) == 5
    assert index.evict_before(T0 + timedelta(seconds=1)) == 5
    assert len(index) == 0
    assert index.find(fingerprinter.fingerprint(ORIGINAL)) is None


def test_containment_estimate() -> None:
    assert containment(0.3, 1000, 300) == pytest.approx(1.0)
    assert containment(0.0, 10, 10) == 0.0
    assert containment(0.5, 0, 10) == 0.0
