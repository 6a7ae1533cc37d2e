"""Clustering scores: BCubed and pairwise precision/recall/F1, and copy-pair scores.

Pure functions over plain mappings (item -> cluster label), so that they are easy to
check by hand. Every item of the gold mapping must be in the predicted one.

- BCubed (Bagga & Baldwin 1998; Amigó et al. 2009): for each item, the share of its
  predicted cluster that shares its gold label (precision) and the share of its gold
  cluster that shares its predicted label (recall), averaged over the items.
- Pairwise: over all unordered pairs of items, a pair is positive when both items are
  in one cluster; precision and recall of the predicted positive pairs.
- Pairwise across languages: the same, over the pairs of items in different languages
  only (a French and an English report of one event), which is what a multilingual
  event must get right beyond what each language gets on its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, precision: float, recall: float) -> Scores:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)

    def as_dict(self, digits: int = 4) -> dict[str, float]:
        return {k: round(v, digits) for k, v in asdict(self).items()}


def _check(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> None:
    missing = gold.keys() - predicted.keys()
    if missing:
        raise ValueError(f"{len(missing)} items have no prediction, e.g. {sorted(missing)[:3]}")


def bcubed(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Scores:
    _check(gold, predicted)
    if not gold:
        return Scores(1.0, 1.0, 1.0)
    both = Counter((gold[i], predicted[i]) for i in gold)
    gold_size = Counter(gold.values())
    predicted_size = Counter(predicted[i] for i in gold)
    # Every item of a (gold, predicted) cell has the same per-item precision and recall.
    precision = sum(n * n / predicted_size[p] for (_, p), n in both.items()) / len(gold)
    recall = sum(n * n / gold_size[g] for (g, _), n in both.items()) / len(gold)
    return Scores.of(precision, recall)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Scores:
    _check(gold, predicted)
    together = sum(_pairs(n) for n in Counter((gold[i], predicted[i]) for i in gold).values())
    gold_pairs = sum(_pairs(n) for n in Counter(gold.values()).values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted[i] for i in gold).values())
    # No pair predicted (or none to find) is perfect on that side, not undefined.
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return Scores.of(precision, recall)


def cross_language_pairwise(
    gold: Mapping[str, Hashable],
    predicted: Mapping[str, Hashable],
    language: Mapping[str, str | None],
) -> Scores | None:
    """Pairwise scores over the pairs of items in different languages; None when there is
    no such pair (one language, or none known). Items without a language are left out."""
    _check(gold, predicted)
    items = [i for i in gold if language.get(i)]
    if len({language[i] for i in items}) < 2:
        return None

    def across(key: Callable[[str], Hashable]) -> int:
        # Pairs within a group, less those within one language of the group.
        groups = Counter(key(i) for i in items)
        same = Counter((key(i), language[i]) for i in items)
        return sum(_pairs(n) for n in groups.values()) - sum(_pairs(n) for n in same.values())

    together = across(lambda i: (gold[i], predicted[i]))
    gold_pairs = across(lambda i: gold[i])
    predicted_pairs = across(lambda i: predicted[i])
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return Scores.of(precision, recall)


def copy_groups(duplicate_of: Mapping[str, str | None]) -> dict[str, str]:
    """item -> the original of its copy group (itself when it is an original)."""
    return {item: original or item for item, original in duplicate_of.items()}


def duplicate_pairs(gold: Mapping[str, str | None], predicted: Mapping[str, str | None]) -> Scores:
    """Precision and recall of the pairs of articles that are copies of each other.

    Both mappings give, for each article, the original it copies (None for an
    original). A copy group is an original and its copies; its pairs are all the pairs
    within it, so a copy linked to a fellow copy's original still counts as found.
    """
    return pairwise(copy_groups(gold), copy_groups(predicted))
