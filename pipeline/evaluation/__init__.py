"""`wirewatch eval`: labelled corpora, their replay through the pipeline (in process or
through a real broker), BCubed / pairwise / copy-pair scores, and threshold sweeps."""

from pipeline.evaluation.replay import Corpus, Prediction, Report, load_corpus, replay, score
from pipeline.evaluation.scores import Scores, bcubed, duplicate_pairs, pairwise
from pipeline.evaluation.sweep import SweepPoint, run_sweep
from pipeline.evaluation.through_broker import replay_through_broker

__all__ = [
    "Corpus",
    "Prediction",
    "Report",
    "Scores",
    "SweepPoint",
    "bcubed",
    "duplicate_pairs",
    "load_corpus",
    "pairwise",
    "replay",
    "replay_through_broker",
    "run_sweep",
    "score",
]
