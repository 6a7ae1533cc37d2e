"""Build the hardest case of the multilingual set on its own: the Putin-Trump call of
3 July 2025 in French, English and German, with the next day's Trump-Zelensky call, the
ministers' meeting a week later and three unrelated stories, and nothing else (README,
Languages).

    .venv/bin/python scripts/make_next_day_variant.py data/eval/multilingual.jsonl \
        --out data/eval/variants/multilingual.next_day.jsonl

In the whole set, the call's Spanish and Italian reports and the other happenings sit
between the two calls; here the next day's call meets the call's reports alone, as in
the real-pipeline test of issue 15 (tests/integration/test_languages.py, the same
articles), so a threshold that merges the two calls shows. Deterministic: the articles
keep their fields, labels and order by `published_at`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CALL = "putin-trump-call-2025-07-03"
CALL_LANGUAGES = {"fr", "en", "de"}
OTHERS = {
    "zel-fr", "zel-en", "zel-de",  # the next day's call, Trump and Zelensky
    "kl-fr", "kl-en", "kl-de",  # the foreign ministers in Kuala Lumpur, a week later
    "atc-fr-1", "atc-en-1", "hitze-de-1",  # unrelated French, English and German stories
}  # fmt: skip


def next_day_variant(records: list[dict]) -> list[dict]:
    kept = [
        r
        for r in records
        if (r["event_id"] == CALL and r["language"] in CALL_LANGUAGES) or r["id"] in OTHERS
    ]
    return sorted(kept, key=lambda r: r["published_at"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    records = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines()]
    kept = next_day_variant(records)
    args.out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8"
    )
    print(f"{len(kept)} articles written to {args.out}")


if __name__ == "__main__":
    main()
