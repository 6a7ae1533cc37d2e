"""The benchmark's generated originals written with accents and French quotes, for
`wirewatch bench --feed`: what text beyond ASCII costs the stages (docs/performance.md).

    .venv/bin/python scripts/accented_feed.py --articles 5000 > accented.jsonl
    WIREWATCH_MODEL=static .venv/bin/wirewatch bench --articles 5000 --dup-share 0 \\
        --scale "" --feed accented.jsonl

In each text, about one word in seven gets an "é" for its first "e", one in fifty an "à"
for its first "a", and one in thirty goes between « and »: every text is beyond ASCII,
as a French wire's are, and the words and stories stay those of the generated feed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

from pipeline.feeds.generator import FeedSpec, synthetic_originals


def accented(text: str, rng: random.Random) -> str:
    out = []
    for word in text.split(" "):
        draw = rng.random()
        if draw < 0.15:
            word = word.replace("e", "é", 1)
        elif draw < 0.18:
            word = f"«{word}»"
        elif draw < 0.20:
            word = word.replace("a", "à", 1)
        out.append(word)
    return " ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7, help="the generator's (bench: 7)")
    args = parser.parse_args()
    rng = random.Random(1)
    for original in synthetic_originals(FeedSpec(args.articles), random.Random(args.seed)):
        article = {k: v for k, v in original.items() if not k.startswith("_")}
        article["body"] = accented(article["body"], rng)
        article["title"] = accented(article["title"], rng)
        sys.stdout.write(json.dumps(article, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
