"""The learned match score: a logistic regression over per-candidate features.

For an article and one candidate event, `FEATURES` are measured (see `EventIndex`):
how close the embeddings are (to the event's centroid, and to its closest sampled
member), how much the words, the mentions (names, places, numbers, dates) and the
headlines overlap once weighted by rarity, the time from the event's coverage, and the
event's size. The score is the model's probability that the article belongs to that
event. The weights are learned (`wirewatch train`, pipeline/evaluation/training.py) and
shipped as a small versioned JSON file, never a pickle; the settings choose the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "wirewatch-match-model"
VERSION = 1
FEATURES = (
    "centroid_cosine",  # embedding cosine to the event's centroid
    "member_cosine",  # the best cosine to its sampled members (first and most recent)
    "words",  # TF-IDF cosine of the words (IDF from the live stream)
    "mentions",  # IDF cosine of the mentions: names, places, numbers, dates
    "mention_coverage",  # the IDF share of the article's mentions the event already holds
    "headline",  # IDF cosine of the headline (title, or first sentence) words
    "time_gap_d",  # days from the event's coverage (0 inside it), capped
    "log_size",  # log(1 + articles in the event)
)
TIME_FEATURES = frozenset({"time_gap_d"})
BUNDLED = Path(__file__).parent / "models" / "match-v1.json"


@dataclass(frozen=True)
class MatchModel:
    """score = link(intercept + coefficients · features); `threshold` is the score an
    article needs to join an event, `reopen_threshold` to reopen a closed one.

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
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.coefficients) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown match features {sorted(unknown)}")
        if self.link not in ("logistic", "identity"):
            raise ValueError(f"unknown link {self.link!r}")

    @property
    def weights(self) -> np.ndarray:
        """The coefficients in the order of FEATURES."""
        return np.array([self.coefficients.get(f, 0.0) for f in FEATURES])

    def uses(self, feature: str) -> bool:
        return self.coefficients.get(feature, 0.0) != 0.0

    def score(self, features: np.ndarray) -> float:
        z = self.intercept + float(self.weights @ features)
        if self.link == "identity":
            return z
        return 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0

    def with_time_weight(self, factor: float) -> MatchModel:
        """The same model with its time coefficients scaled (0: content alone)."""
        if factor == 1.0:
            return self
        scaled = {k: v * factor if k in TIME_FEATURES else v for k, v in self.coefficients.items()}
        return replace(self, coefficients=scaled)

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
        return {
            "format": FORMAT,
            "version": VERSION,
            "features": list(FEATURES),
            "coefficients": {f: round(self.coefficients.get(f, 0.0), 6) for f in FEATURES},
            "intercept": round(self.intercept, 6),
            "link": self.link,
            "threshold": self.threshold,
            "reopen_threshold": self.reopen_threshold,
            "idf_prior_documents": self.idf_prior_documents,
            **self.info,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path | str | None = None) -> MatchModel:
        """A model file (the bundled one when no path is given)."""
        file = Path(path) if path else BUNDLED
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"{file}: not a {FORMAT} file of version {VERSION}")
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
        }
        return cls(
            coefficients={k: float(v) for k, v in data["coefficients"].items()},
            intercept=float(data.get("intercept", 0.0)),
            link=data.get("link", "logistic"),
            threshold=float(data["threshold"]),
            reopen_threshold=float(data["reopen_threshold"]),
            idf_prior_documents=int(data.get("idf_prior_documents", 0)),
            info={k: v for k, v in data.items() if k not in known},
        )
