"""The learned match scores: two logistic regressions, one file.

Events are built in two steps (pipeline/events/index.py, pipeline/events/grouping.py):

1. An article joins a *part*, a tight group of reports of the very same thing, when
   `MatchModel.score` over `FEATURES` reaches `threshold`: how close the embeddings are
   (to the part's centroid, and to its closest sampled member), how much the words, the
   mentions (names, places, numbers, dates) and the headlines overlap once weighted by
   rarity, whether the texts name the same days, the time from the part's coverage, and
   the part's size.
2. A part belongs to the event whose parts it matches best on average, when
   `GroupingModel.score` over `PART_FEATURES` (the same evidence, measured between two
   parts: all their articles together) reaches the grouping's `threshold`; as it grows,
   its neighbourhood is clustered again by that average, so that evidence gathered later
   mends early mistakes.

Each score is the model's probability that the two sides report the same happening.
The weights are learned (`wirewatch train`, pipeline/evaluation/training.py) and shipped
as a small versioned JSON file, never a pickle; the settings choose the file. A file of
version 1 has no grouping: every part is then an event of its own, as before.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "wirewatch-match-model"
VERSION = 2
READABLE_VERSIONS = (1, 2)
FEATURES = (
    "centroid_cosine",  # embedding cosine to the event's centroid
    "member_cosine",  # the best cosine to its sampled members (first and most recent)
    "words",  # TF-IDF cosine of the words (IDF from the live stream)
    "mentions",  # IDF cosine of the mentions: names, places, numbers, dates
    "mention_coverage",  # the IDF share of the article's mentions the event already holds
    "headline",  # IDF cosine of the headline (title, or first sentence) words
    "days",  # cosine of the days the texts name (weekdays, "July 3"), in any language
    "days_stated",  # 1 when both sides name a day: with "days" at 0, they name others
    "time_gap_d",  # days from the event's coverage (0 inside it), capped
    "log_size",  # log(1 + articles in the event)
)
# Between two parts: each side's articles taken together.
PART_FEATURES = (
    "centroid_cosine",  # embedding cosine of the two centroids
    "member_cosine",  # the best cosine between their sampled members
    "words",  # TF-IDF cosine of their words
    "mentions",  # IDF cosine of their mentions
    "headline",  # IDF cosine of their headline words
    "days",  # cosine of the days their texts name
    "days_stated",  # 1 when both sides name a day
    "mention_coverage_min",  # the IDF share of one side's mentions the other holds: the
    "mention_coverage_max",  # lower and the higher of the two directions
    "log_size_min",  # log(1 + articles) of the smaller part
    "log_size_max",  # and of the larger
    "time_gap_d",  # days between their coverages (0 when they overlap), capped
)
TIME_FEATURES = frozenset({"time_gap_d"})
BUNDLED = Path(__file__).parent / "models" / "match.json"
# An embedding profile whose cosines sit elsewhere than the default's has a model of its
# own, trained by the same command with --model (README, Performance: "The static lane").
BUNDLED_BY_PROFILE = {"static": BUNDLED.with_name("match-static.json")}


def bundled_for(embedding_model: str) -> Path:
    """The bundled model trained on this embedding profile (the default's otherwise)."""
    return BUNDLED_BY_PROFILE.get(embedding_model, BUNDLED)


def _probability(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0


# Two parts in no common language compare by embedding alone: their words and headlines
# cannot meet, so the learned score undervalues them. Where their closest members reach
# this cosine, that cosine is their score. It depends on the embedding, so it travels
# with the model (`wirewatch train --cross-language-cosine`). For use-m3 (the same
# happening across languages 0.74 to 0.83 on data/eval/multilingual.jsonl, the next day's
# call on the same war 0.52 to 0.67, the ministers' meeting a week later 0.45 to 0.67):
# the multilingual set's BCubed F1 0.928 without the rule, 0.949 with it at 0.65 and 0.7;
# at 0.6 the ministers' meeting joins the call (0.909).
CROSS_LANGUAGE_COSINE = 0.7


@dataclass(frozen=True)
class GroupingModel:
    """score = logistic(intercept + coefficients · part features): the probability that
    two parts report the same happening. A part joins the event whose parts score best on
    average when that average reaches `threshold`, or, when every part of that event is
    closed, `reopen_threshold`. Across languages, see CROSS_LANGUAGE_COSINE."""

    coefficients: dict[str, float]
    intercept: float = 0.0
    threshold: float = 0.5
    reopen_threshold: float = 0.8
    cross_language_cosine: float = CROSS_LANGUAGE_COSINE

    def __post_init__(self) -> None:
        unknown = set(self.coefficients) - set(PART_FEATURES)
        if unknown:
            raise ValueError(f"unknown part features {sorted(unknown)}")

    @cached_property
    def weights(self) -> np.ndarray:
        """The coefficients in the order of PART_FEATURES (made once: every pair of parts
        the grouping weighs is scored with them)."""
        return np.array([self.coefficients.get(f, 0.0) for f in PART_FEATURES])

    def score(self, features: np.ndarray) -> float:
        return _probability(self.intercept + float(self.weights @ features))

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(PART_FEATURES),
            "coefficients": {f: round(self.coefficients.get(f, 0.0), 6) for f in PART_FEATURES},
            "intercept": round(self.intercept, 6),
            "threshold": self.threshold,
            "reopen_threshold": self.reopen_threshold,
            "cross_language_cosine": self.cross_language_cosine,
        }

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> GroupingModel:
        return cls(
            coefficients={k: float(v) for k, v in data["coefficients"].items()},
            intercept=float(data.get("intercept", 0.0)),
            threshold=float(data["threshold"]),
            reopen_threshold=float(data["reopen_threshold"]),
            cross_language_cosine=float(data.get("cross_language_cosine", CROSS_LANGUAGE_COSINE)),
        )


@dataclass(frozen=True)
class MatchModel:
    """score = link(intercept + coefficients · features); `threshold` is the score an
    article needs to join a part, `reopen_threshold` to reopen a closed one; `grouping`
    puts parts together into events (None: each part is an event of its own).

    `idf_prior_documents` says how the word features are measured, so it travels with
    the weights learned on them (older files: 0): the live word and mention statistics
    count this many more articles, holding no term. At start, with a handful of live articles, a
    word one of them used would otherwise pass for a common one (the demo's two heatwave
    reports then shared only "common" words); the prior fades as the live window fills.
    """

    coefficients: dict[str, float]
    intercept: float = 0.0
    link: str = "logistic"  # or "identity": the linear score itself
    threshold: float = 0.5
    reopen_threshold: float = 0.8
    idf_prior_documents: int = 0
    grouping: GroupingModel | None = None
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.coefficients) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown match features {sorted(unknown)}")
        if self.link not in ("logistic", "identity"):
            raise ValueError(f"unknown link {self.link!r}")

    @cached_property
    def weights(self) -> np.ndarray:
        """The coefficients in the order of FEATURES (made once: every candidate of every
        article is scored with them)."""
        return np.array([self.coefficients.get(f, 0.0) for f in FEATURES])

    def uses(self, feature: str) -> bool:
        return self.coefficients.get(feature, 0.0) != 0.0

    def score(self, features: np.ndarray) -> float:
        z = self.intercept + float(self.weights @ features)
        if self.link == "identity":
            return z
        return _probability(z)

    def with_time_weight(self, factor: float) -> MatchModel:
        """The same model with its time coefficients scaled (0: content alone), in both
        regressions."""
        if factor == 1.0:
            return self
        grouping = self.grouping
        if grouping is not None:
            grouping = replace(grouping, coefficients=_scaled(grouping.coefficients, factor))
        return replace(self, coefficients=_scaled(self.coefficients, factor), grouping=grouping)

    def with_thresholds(self, part: float | None, event: float | None) -> MatchModel:
        """The same model with other join thresholds (None: keep the model's own); without
        a grouping, `event` is the article's threshold, as in a file of version 1."""
        model = self
        if self.grouping is None:
            part = event if event is not None else part
        elif event is not None:
            model = replace(model, grouping=replace(self.grouping, threshold=event))
        if part is not None:
            model = replace(model, threshold=part)
        return model

    @classmethod
    def embedding_only(cls, threshold: float) -> MatchModel:
        """The cosine to the centroid, as the score: the plain-embedding baseline."""
        return cls(
            {"centroid_cosine": 1.0},
            link="identity",
            threshold=threshold,
            reopen_threshold=max(threshold, 0.9),
        )

    def as_json(self) -> dict[str, Any]:
        grouping = {} if self.grouping is None else {"grouping": self.grouping.as_json()}
        return {
            "format": FORMAT,
            "version": VERSION if self.grouping else 1,
            "features": list(FEATURES),
            "coefficients": {f: round(self.coefficients.get(f, 0.0), 6) for f in FEATURES},
            "intercept": round(self.intercept, 6),
            "link": self.link,
            "threshold": self.threshold,
            "reopen_threshold": self.reopen_threshold,
            "idf_prior_documents": self.idf_prior_documents,
            **grouping,
            **self.info,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path | str | None = None) -> MatchModel:
        """A model file (the bundled one when no path is given)."""
        file = Path(path) if path else BUNDLED
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"{file}: not a {FORMAT} file of version 1 or {VERSION}")
        known = {
            "format",
            "version",
            "features",
            "coefficients",
            "intercept",
            "link",
            "threshold",
            "reopen_threshold",
            "idf_prior_documents",
            "grouping",
        }
        grouping = data.get("grouping")
        return cls(
            coefficients={k: float(v) for k, v in data["coefficients"].items()},
            intercept=float(data.get("intercept", 0.0)),
            link=data.get("link", "logistic"),
            threshold=float(data["threshold"]),
            reopen_threshold=float(data["reopen_threshold"]),
            idf_prior_documents=int(data.get("idf_prior_documents", 0)),
            grouping=None if grouping is None else GroupingModel.of_json(grouping),
            info={k: v for k, v in data.items() if k not in known},
        )


def _scaled(coefficients: dict[str, float], factor: float) -> dict[str, float]:
    return {k: v * factor if k in TIME_FEATURES else v for k, v in coefficients.items()}
