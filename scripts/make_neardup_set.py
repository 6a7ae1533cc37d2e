"""Build the near-duplicate evaluation set from real articles: data/eval/neardup.jsonl.

    .venv/bin/python scripts/make_neardup_set.py   # deterministic: same input, same output

Originals are real articles: one per ECB+ event (data/eval/ecbplus_dev.jsonl, CC BY 3.0)
and the five seed articles (pipeline/feeds/data/seed_articles.jsonl). Each original gets wire
copies made the way outlets make them: a new headline, an agency dateline, a boilerplate
footer, "read also" lines, HTML paragraphs, light edits (a sentence dropped, "said" made
"says", curly quotes), truncation to the first paragraphs. Copies carry `duplicate_of`
(the original) and the original's `event_id`.

Hard negatives carry `duplicate_of: null`: other real articles of the same events (each
written independently), and the five seed articles, all of one event. Real articles that
share many word 3-shingles with another selected one (true Jaccard above 0.2, or more
than a third of the smaller inside the larger) are left out: ECB+ holds some
syndicated copies, whose ground truth would be unclear.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ECB = ROOT / "data/eval/ecbplus_dev.jsonl"
SEED = ROOT / "pipeline/feeds/data/seed_articles.jsonl"
OUT = ROOT / "data/eval/neardup.jsonl"
RNG_SEED = 4
NEGATIVES_PER_EVENT = 2
MIN_WORDS = 120
MIN_SENTENCES = 5

_SENTENCE = re.compile(r"(?<=[.!?»\"”])\s+(?=[\"“«A-ZÀ-Ý])")
_WORD = re.compile(r"\w+")

OUTLETS = [
    "daily-courier.example",
    "metro-herald.example",
    "coastal-times.example",
    "valley-gazette.example",
    "northern-post.example",
    "city-wire.example",
    "evening-chronicle.example",
    "news-digest.example",
    "morning-star.example",
    "regional-tribune.example",
    "online-bulletin.example",
    "weekly-observer.example",
]
OUTLETS_FR = [
    "le-courrier.example",
    "ouest-matin.example",
    "info-regions.example",
    "la-depeche-en-ligne.example",
    "journal-du-midi.example",
]
DATELINES = [
    "LONDON (Reuters) - ",
    "NEW YORK (AP) — ",
    "WASHINGTON, (AFP) - ",
    "(AP) — ",
    "PARIS (AFP) - ",
    "SYDNEY (Reuters) - ",
    "By Staff Writer. ",
]
DATELINES_FR = ["MOSCOU (AFP) - ", "PARIS (AFP) - ", "(AFP) - ", "WASHINGTON (Reuters) - "]
FOOTERS = [
    "Copyright 2026 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed.",
    "Reporting by staff; editing by the news desk.",
    "© Agence France-Presse",
    "Follow us on Twitter and Facebook for the latest news. Sign up for our newsletter.",
    "This story has been updated with additional information.",
]
FOOTERS_FR = [
    "© AFP",
    "Avec AFP.",
    "Retrouvez toute l'actualité internationale sur notre site et notre application.",
    "Cet article a été mis à jour avec de nouvelles informations.",
]
READ_ALSO = ["READ MORE: {}", "Read also: {}", "RELATED: {}"]
READ_ALSO_FR = ["Lire aussi : {}", "À lire aussi : {}", "LIRE AUSSI. {}"]
EDITS = [
    (" said ", " says "),
    (" percent", "%"),
    (" has been ", " was "),
    (" a été ", " fut "),
    (" selon ", " d'après "),
]


def sentences(text: str) -> list[str]:
    if "\n" in text:  # real paragraphs: keep them
        return [p for p in text.split("\n") if p.strip()]
    return [s for s in _SENTENCE.split(text) if s.strip()]


def shingle_set(text: str) -> set[tuple[str, ...]]:
    tokens = _WORD.findall(text.lower())
    return {tuple(tokens[i : i + 3]) for i in range(max(0, len(tokens) - 2))}


def too_alike(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a | b) > 0.2 or shared / min(len(a), len(b)) > 1 / 3


def headline(parts: list[str], rng: random.Random, french: bool) -> str:
    words = parts[0].split()
    cut = " ".join(words[: rng.randint(7, 12)]).rstrip(",;:.")
    prefix = rng.choice(["", "", "UPDATE: ", "BREAKING: "] if not french else ["", "", "DIRECT. "])
    return prefix + cut[0].upper() + cut[1:]


def light_edits(parts: list[str], rng: random.Random) -> list[str]:
    parts = list(parts)
    if len(parts) > 4 and rng.random() < 0.6:  # an editor cuts one sentence, never the lead
        del parts[rng.randrange(2, len(parts))]
    for old, new in EDITS:
        for i, part in enumerate(parts):
            if old in part and rng.random() < 0.7:
                parts[i] = part.replace(old, new, 1)
                break
    if rng.random() < 0.5:
        parts = [p.replace('"', "“", 1).replace('"', "”", 1) for p in parts]
    return parts


def make_copy(original: dict, kind: str, n: int, rng: random.Random, titles: list[str]) -> dict:
    french = original.get("language") == "fr"
    parts = sentences(original["body"])
    if kind == "truncated":  # the first paragraphs only, as a brief
        keep = max(2, round(len(parts) * rng.uniform(0.3, 0.5)))
        parts = parts[:keep]
    else:
        parts = light_edits(parts, rng)
    if kind == "read_also":
        link = rng.choice(READ_ALSO_FR if french else READ_ALSO).format(rng.choice(titles))
        parts.insert(rng.randint(1, max(1, len(parts) - 1)), link)
    parts[0] = rng.choice(DATELINES_FR if french else DATELINES) + parts[0]
    if kind != "truncated" or rng.random() < 0.5:
        parts.append(rng.choice(FOOTERS_FR if french else FOOTERS))
    separator = "\n" if "\n" in original["body"] or kind == "read_also" else " "
    body = separator.join(parts)
    if kind == "html":
        body = "".join(f"<p>{p}</p>" for p in parts)
    published = datetime.fromisoformat(original["published_at"].replace("Z", "+00:00"))
    published += timedelta(minutes=rng.randint(5, 360))
    return {
        "id": f"{original['id']}~copy{n}",
        "source": rng.choice(OUTLETS_FR if french else OUTLETS),
        "title": headline(sentences(original["body"]), rng, french),
        "body": body,
        "language": original.get("language") or "en",
        "published_at": published.isoformat().replace("+00:00", "Z"),
        "url": None,
        "event_id": original["event_id"],
        "duplicate_of": original["id"],
        "variant": kind,
    }


def article(record: dict, event_id: str) -> dict:
    return {
        "id": record["id"],
        "source": record["source"],
        "title": record.get("title"),
        "body": record["body"],
        "language": record.get("language") or "en",
        "published_at": record["published_at"],
        "url": record.get("url"),
        "event_id": event_id,
        "duplicate_of": None,
        "variant": "original",
    }


def main() -> None:
    rng = random.Random(RNG_SEED)
    ecb = [json.loads(line) for line in ECB.read_text(encoding="utf-8").splitlines()]
    seed = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    by_event: dict[str, list[dict]] = {}
    for record in ecb:
        by_event.setdefault(record["event_id"], []).append(record)

    chosen: list[dict] = []  # originals first, then negatives
    originals: list[dict] = []
    for event_id in sorted(by_event):
        candidates = list(by_event[event_id])
        rng.shuffle(candidates)
        picked: list[tuple[dict, set]] = []
        for record in candidates:
            shingles = shingle_set(record["body"])
            if any(too_alike(shingles, s) for _, s in picked):
                continue
            long_enough = (
                len(record["body"].split()) >= MIN_WORDS
                and len(sentences(record["body"])) >= MIN_SENTENCES
            )
            if not picked and not long_enough:
                continue  # the first one picked gets copies: it must be long enough to cut
            picked.append((record, shingles))
            if len(picked) == 1 + NEGATIVES_PER_EVENT:
                break
        if not picked:
            continue
        originals.append(article(picked[0][0], event_id))
        chosen.extend(article(r, event_id) for r, _ in picked)
    for record in seed:  # five independent reports of one event
        item = article(record, "seed-putin-trump-call")
        originals.append(item)
        chosen.append(item)

    titles = [r["title"] for r in ecb if r.get("title")]
    copies = []
    kinds = ["full", "truncated", "read_also", "html"]
    for original in originals:
        n_copies = rng.choice([2, 3])
        for n, kind in enumerate(rng.sample(kinds, n_copies), 1):
            copies.append(make_copy(original, kind, n, rng, titles))

    rows = chosen + copies
    rows.sort(key=lambda r: (r["published_at"], r["id"]))
    with open(OUT, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(
        f"{OUT.relative_to(ROOT)}: {len(rows)} articles: {len(chosen)} originals "
        f"({len(originals)} with copies), {len(copies)} copies, "
        f"{len({r['event_id'] for r in rows})} events"
    )


if __name__ == "__main__":
    main()
