"""Speed and accuracy of language detectors on short leads (README, Languages).

    .venv/bin/python scripts/language_detection.py

Texts: data/eval/multilingual.jsonl (fr, en, de, es, it), the first 200 articles of
data/eval/ecbplus_dev.jsonl (en) and the bundled sample feed (fr), each once as its
lead (the title, or the first sentence of an untitled article) and once as what the
pipeline gives the detector (pipeline.language.detect: title and body start,
DETECT_CHARS characters). Speed is given per second of CPU of this thread, which the
load of other programs moves less than the wall clock. The gold language is the
corpus's `language` field. py3langid is the one wirewatch uses; langdetect and lingua
(lingua-language-detector) are measured when installed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.language.detect import DETECT_CHARS, detect_language
from pipeline.text import first_sentence

ROOT = Path(__file__).resolve().parent.parent


def _read(path: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in (ROOT / path).read_text(encoding="utf-8").splitlines()]


def _rows() -> list[dict[str, str]]:
    return (
        _read("data/eval/multilingual.jsonl")
        + _read("data/eval/ecbplus_dev.jsonl")[:200]
        + _read("pipeline/feeds/data/sample_feed.jsonl")
    )


def _detectors() -> dict[str, Callable[[str], str | None]]:
    found: dict[str, Callable[[str], str | None]] = {"py3langid": detect_language}
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        found["langdetect"] = detect
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def with_lingua(text: str) -> str | None:
            language = lingua.detect_language_of(text)
            return language.iso_code_639_1.name.lower() if language else None

        found["lingua"] = with_lingua
    except ImportError:
        pass
    return found


def main() -> None:
    rows = _rows()
    samples = {
        "lead": [(r["language"], r["title"] or first_sentence(r["body"])) for r in rows],
        f"title+body {DETECT_CHARS} chars": [
            (r["language"], (f"{r['title']}.\n{r['body']}" if r["title"] else r["body"]))
            for r in rows
        ],
    }
    print(f"{len(rows)} texts")
    for name, detect in _detectors().items():
        detect("warm up: the first call loads the model")
        for kind, pairs in samples.items():
            started = time.thread_time()
            right = sum(1 for gold, text in pairs if detect(text[:DETECT_CHARS]) == gold)
            rate = len(pairs) / (time.thread_time() - started)
            print(f"{name:11s} {kind:22s} {right}/{len(pairs)} = {right / len(pairs):.3f}  "
                  f"{rate:7.0f} texts per CPU-second")  # fmt: skip


if __name__ == "__main__":
    main()
