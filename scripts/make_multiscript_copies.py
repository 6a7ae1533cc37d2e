"""Wire copies of the reports of the multi-script set (Chinese, Japanese, Korean, Arabic,
Russian), to measure near-duplicate detection in scripts with no spaces or no capitals
(README, Languages).

    .venv/bin/python scripts/make_multiscript_copies.py data/eval/multiscript.jsonl \
        --out data/eval/variants/multiscript.copies.jsonl

Each report is kept (`duplicate_of: null`: the other reports of its event are written
independently) and gets up to three copies as outlets make them, labelled with
`duplicate_of` and the report's event: `edited` (two sentences lose two characters
each, an agency footer is added), `dropped` (the second sentence left out) and
`truncated` (the first half of the sentences). Deterministic (seeded).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

_SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")
_FOOTERS = {
    "zh": "（责任编辑：王明）",
    "ja": "（共同）",
    "ko": "무단 전재 및 재배포 금지",
    "ar": "(رويترز)",
    "ru": "При использовании материалов ссылка обязательна.",
}
_JOINED = {"zh", "ja"}  # sentences follow each other without a space


def copies_of(record: dict, rng: random.Random) -> list[dict]:
    sentences = [s for s in _SENTENCE_END.split(record["body"]) if s]
    joiner = "" if record["language"] in _JOINED else " "
    edited = list(sentences)
    for n in rng.sample(range(len(edited)), min(2, len(edited))):
        cut = rng.randrange(max(1, len(edited[n]) - 3))
        edited[n] = edited[n][:cut] + edited[n][cut + 2 :]
    bodies = {
        "edited": joiner.join(edited) + "\n" + _FOOTERS[record["language"]],
        "dropped": joiner.join(sentences[:1] + sentences[2:]) if len(sentences) > 2 else None,
        "truncated": joiner.join(sentences[: max(2, len(sentences) // 2)]),
    }
    return [
        {**record, "id": f"{record['id']}-{kind}", "source": f"wire-{record['source']}",
         "body": body, "duplicate_of": record["id"]}
        for kind, body in bodies.items()
        if body and body != record["body"]
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    for line in args.corpus.read_text(encoding="utf-8").splitlines():
        record = {**json.loads(line), "duplicate_of": None}
        rows += [record, *copies_of(record, rng)]
    args.out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    copies = sum(r["duplicate_of"] is not None for r in rows)
    print(f"{len(rows)} articles ({copies} copies) -> {args.out}")


if __name__ == "__main__":
    main()
