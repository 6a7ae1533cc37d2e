"""Near-duplicate detection: validation of the raw input, word-shingle MinHash
fingerprints, the LSH banding index, the near-duplicate index and the dedup stage that
links every wire copy to the canonical article of its copy group."""

from pipeline.dedup.fingerprint import Fingerprint, FingerprintConfig, Fingerprinter
from pipeline.dedup.index import DedupConfig, Match, NearDuplicateIndex
from pipeline.dedup.lsh import BandIndex
from pipeline.dedup.stage import DedupPlan, DedupStage, Incoming
from pipeline.dedup.validate import DEFAULT_LIMITS, Limits, parse_article

__all__ = [
    "DEFAULT_LIMITS",
    "BandIndex",
    "DedupConfig",
    "DedupPlan",
    "DedupStage",
    "Fingerprint",
    "FingerprintConfig",
    "Fingerprinter",
    "Incoming",
    "Limits",
    "Match",
    "NearDuplicateIndex",
    "parse_article",
]
