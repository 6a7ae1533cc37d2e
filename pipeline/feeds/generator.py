"""Benchmark feeds: seeded synthetic news, or a JSON Lines file, with wire copies added.

Originals are independent reports of made-up events, written from a grammar and a word
bank so that two reports share the event's names and little else, and about as long as
real news. Wire copies are made as outlets make them: a new headline, a dateline in
front, a footer behind, a few words changed, and now and then only the first paragraphs.
Each copy carries `wire_copy_of` (the original's id): the ground truth the benchmark
checks the dedup stage against.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)

# The word bank. Plain lists keep the generator deterministic for a given seed.
_W = {
    "subject": "officials residents witnesses police analysts investors lawmakers prosecutors "
    "doctors teachers farmers engineers economists diplomats volunteers firefighters "
    "researchers executives shareholders unions regulators judges nurses pilots "
    "students drivers workers traders observers spokespeople",
    "org": "the ministry|the city council|the central bank|the regional government|the union|"
    "the company|the federation|the court|the agency|the coalition|the committee|"
    "the army|the port authority|the health service|the weather office|the league",
    "verb": "said|warned|confirmed|announced|reported|denied|estimated|argued|insisted|stressed|"
    "noted|added|explained|acknowledged|suggested|claimed|revealed|predicted|told reporters|"
    "wrote in a statement",
    "aux": "had|would have|could have|might have|have|has",
    "part": "collapsed|expanded|stalled|recovered|doubled|halved|shifted|slowed|accelerated|"
    "resumed|closed|reopened|spread|failed|improved|worsened|increased|declined|paused|"
    "changed",
    "noun": "talks|prices|traffic|exports|negotiations|repairs|inquiries|protests|flights|"
    "shipments|elections|rescue efforts|budgets|hearings|rates|patrols|services|markets|"
    "harvests|deliveries|contracts|reforms|evacuations|payments|operations|investments|"
    "sanctions|strikes|salaries|forecasts",
    "adj": "northern|southern|eastern|western|central|coastal|rural|urban|local|national|"
    "regional|early|late|sudden|unexpected|temporary|lasting|fragile|severe|modest|"
    "record|rare|heavy|quiet|tense|busy|cautious|wider|smaller|stronger",
    "place": "the capital|the harbour|the old town|the airport|the border|the valley|"
    "the industrial zone|the suburbs|the main square|the station|the river bank|"
    "the motorway|the hospital|the stadium|the parliament|the university|the market|"
    "the mountains|the coast|the city centre",
    "time": "on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|on Saturday|on Sunday|"
    "overnight|this morning|late in the evening|earlier this week|last month|since dawn|"
    "within hours|by midday|after nightfall|at the weekend|in recent days",
    "link": "because|although|while|after|before|even though|as|since|until|once",
    "city": "Lyon|Porto|Gdansk|Tampere|Lille|Ghent|Bremen|Brno|Cluj|Varna|Split|Bergen|"
    "Aarhus|Malaga|Turin|Graz|Cork|Leeds|Nantes|Bilbao|Kaunas|Tartu|Plovdiv|Szeged|"
    "Toulouse|Utrecht|Basel|Salzburg|Seville|Bologna|Krakow|Riga|Tallinn|Vilnius|Sofia|"
    "Zagreb|Ljubljana|Bratislava|Debrecen|Rijeka",
    "first": "Anna Marc Sofia Jonas Leila Tomas Ines Paulo Marta Karim Elena Piotr Clara "
    "Yusuf Nadia Lukas Irene Omar Julia Mateo Lena Viktor Amira Hugo Nora Felix Alma "
    "Ivan Rosa Emil",
    "last": "Keller Moreau Novak Silva Haddad Larsen Costa Becker Petrov Rossi Jansen "
    "Horvat Dubois Nowak Fischer Garcia Mancini Berg Kovac Santos Weber Lindqvist "
    "Romero Vidal Kraus Marino Ferreira Olsen Bianchi Duarte",
    "kind": "flood|strike|fire|merger|election|trial|earthquake|storm|blackout|protest|"
    "recall|bankruptcy|heatwave|landslide|cyberattack|derailment|summit|drought|outbreak|"
    "budget vote",
    "outlet": "courier|herald|tribune|gazette|post|observer|daily|journal|echo|chronicle|"
    "times|express|monitor|standard|review",
    "agency": "Reuters|AFP|AP|dpa|ANSA|EFE",
}
WORDS: dict[str, list[str]] = {k: v.split("|") if "|" in v else v.split() for k, v in _W.items()}
_MONTHS = "January February March April May June July August September October November December"


@dataclass(frozen=True)
class Event:
    kind: str
    city: str
    person: str
    org: str
    number: int
    topic: tuple[str, ...]  # words only this story uses: what tells stories apart


def topic_vocabulary() -> list[str]:
    """Whole English words of the bundled model's vocabulary (about 15,000), from which
    each story draws its own topic words; the built-in bank when the model is absent."""
    try:
        from pipeline.embedding.encoder import bundled_model_path

        text = (Path(bundled_model_path()) / "vocab.txt").read_text(encoding="utf-8")
    except Exception:  # no model package: a smaller, blander vocabulary
        return sorted({w for k in ("noun", "adj", "kind") for w in WORDS[k]})
    return [w for w in text.split() if w.isalpha() and w.isascii() and 5 <= len(w) <= 12]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(WORDS['first'])} {rng.choice(WORDS['last'])}"


def _sentence(rng: random.Random, event: Event) -> str:
    w = WORDS
    pick = rng.choice

    def t() -> str:
        return rng.choice(event.topic)

    forms = [
        lambda: (
            f"{pick(w['subject'])} in {event.city} {pick(w['verb'])} that the {t()} "
            f"{pick(w['aux'])} {pick(w['part'])} the {t()} {pick(w['time'])}"
        ),
        lambda: (
            f"{event.person} {pick(w['verb'])} the {t()} {event.kind} {pick(w['aux'])} "
            f"{pick(w['part'])} {t()} {pick(w['noun'])} near {pick(w['place'])}"
        ),
        lambda: (
            f"{event.org} {pick(w['verb'])} {event.number} {t()} {pick(w['noun'])} in "
            f"{pick(w['adj'])} {event.city} {pick(w['aux'])} {pick(w['part'])}"
        ),
        lambda: (
            f"{pick(w['adj'])} {t()} {pick(w['part'])} {pick(w['time'])} "
            f"{pick(w['link'])} {pick(w['subject'])} near the {t()} {pick(w['verb'])} "
            f"{pick(w['adj'])} {t()}"
        ),
        lambda: (
            f"according to {_person(rng)}, the {t()} and the {t()} "
            f"{pick(w['aux'])} {pick(w['part'])} {pick(w['link'])} the {event.kind} reached "
            f"{pick(w['place'])}"
        ),
        lambda: (
            f"{pick(w['subject'])} {pick(w['verb'])} {pick(w['time'])} that "
            f"{t()} {pick(w['noun'])} and {pick(w['adj'])} {t()} "
            f"{pick(w['aux'])} {pick(w['part'])}"
        ),
    ]
    text = rng.choice(forms)()
    return text[0].upper() + text[1:] + "."


def _headline(rng: random.Random, event: Event) -> str:
    w = WORDS
    t = event.topic
    forms = [
        f"{event.kind.capitalize()} in {event.city}: {rng.choice(t)} and {rng.choice(t)} "
        f"{rng.choice(w['part'])}",
        f"{event.city} {rng.choice(t)} {event.kind} leaves {event.number} {rng.choice(t)} "
        f"{rng.choice(w['part'])}",
        f"{event.person} on the {rng.choice(t)} {event.kind} in {event.city}",
        f"{rng.choice(t).capitalize()} {event.kind} hits {event.city} {rng.choice(t)}",
    ]
    return rng.choice(forms)


def _body(rng: random.Random, event: Event) -> str:
    paragraphs = []
    for _ in range(rng.randint(8, 14)):
        paragraphs.append(" ".join(_sentence(rng, event) for _ in range(rng.randint(2, 5))))
    return "\n".join(paragraphs)


def _event(rng: random.Random, vocabulary: list[str]) -> Event:
    return Event(
        kind=rng.choice(WORDS["kind"]),
        city=rng.choice(WORDS["city"]),
        person=_person(rng),
        org=rng.choice(WORDS["org"]),
        number=rng.randint(2, 900),
        topic=tuple(rng.sample(vocabulary, 8)),
    )


def _source(rng: random.Random) -> str:
    return f"{rng.choice(WORDS['city']).lower()}-{rng.choice(WORDS['outlet'])}.example"


def wire_copy(rng: random.Random, original: dict[str, Any]) -> dict[str, Any]:
    """The original as another outlet republishes it."""
    paragraphs = original["body"].split("\n")
    if len(paragraphs) > 3 and rng.random() < 0.3:  # only the first paragraphs
        paragraphs = paragraphs[: max(2, math.ceil(len(paragraphs) * rng.uniform(0.35, 0.6)))]
    tokens = "\n".join(paragraphs).split(" ")
    for _ in range(max(1, len(tokens) // 60)):  # light edits: about one word in sixty
        i = rng.randrange(len(tokens))
        if "\n" not in tokens[i]:
            tokens[i] = rng.choice(WORDS["adj"] + WORDS["noun"])
    published = datetime.fromisoformat(original["published_at"])
    city = original.get("_city", rng.choice(WORDS["city"]))
    dateline = rng.choice(
        [
            f"{city.upper()} ({rng.choice(WORDS['agency'])}) - ",
            f"{city}, {_MONTHS.split()[published.month - 1]} {published.day} "
            f"({rng.choice(WORDS['agency'])}) - ",
            "",
        ]
    )
    footer = rng.choice(
        [
            f"\nReporting by {_person(rng)}; Editing by {_person(rng)}",
            f"\n(c) {published.year} {rng.choice(WORDS['agency'])}. All rights reserved.",
            "\nRead more: subscribe to our newsletter for the latest updates.",
            "",
        ]
    )
    title = original.get("title") or ""
    headline = rng.choice(
        [f"UPDATE 1-{title}", f"{title} - {rng.choice(WORDS['agency'])}", title.upper()]
    )
    return {
        "body": dateline + " ".join(tokens) + footer,
        "title": headline,
        "wire_copy_of": original["id"],
    }


@dataclass(frozen=True)
class FeedSpec:
    articles: int
    dup_share: float = 0.0
    seed: int = 7
    step_s: float = 10.0  # mean time between two articles of the feed
    id_prefix: str = "bench"

    @property
    def copies(self) -> int:
        return round(self.articles * self.dup_share)

    @property
    def originals(self) -> int:
        return self.articles - self.copies


def synthetic_originals(spec: FeedSpec, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Independent reports of made-up events, one to six reports per event."""
    made = 0
    events = 0
    vocabulary = topic_vocabulary()
    while made < spec.originals:
        event = _event(rng, vocabulary)
        events += 1
        for _ in range(min(spec.originals - made, 1 + int(rng.expovariate(0.6)))):
            yield {
                "id": f"{spec.id_prefix}-{made:07d}",
                "source": _source(rng),
                "language": "en",
                "title": _headline(rng, event),
                "body": _body(rng, event),
                "_city": event.city,
                "_event": events,  # the truth, for tests (fields starting "_" are dropped)
            }
            made += 1


def make_feed(
    spec: FeedSpec, originals: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The feed, in publication order: originals (generated, or given) and their copies.

    Copies follow their original by minutes to hours, as republication does; a few
    popular stories are copied many times."""
    rng = random.Random(spec.seed)
    if originals is None:
        originals = list(synthetic_originals(spec, rng))
    elif len(originals) < spec.originals:
        raise ValueError(
            f"the feed has {len(originals)} articles; {spec.articles} articles with a "
            f"duplicate share of {spec.dup_share} need {spec.originals} originals"
        )
    else:
        originals = [dict(o) for o in originals[: spec.originals]]
    span = spec.articles * spec.step_s
    timed: list[tuple[float, dict[str, Any]]] = []
    for i, original in enumerate(originals):
        t = span * i / max(1, len(originals))
        original["published_at"] = (START + timedelta(seconds=t)).isoformat()
        timed.append((t, original))
    weights = [1.0 / (1 + (i * 7919) % 13) for i in range(len(originals))]  # a few popular
    for n in range(spec.copies):
        t, original = rng.choices(timed[: len(originals)], weights)[0]
        copy = {**original, **wire_copy(rng, original)}
        copy["id"] = f"{spec.id_prefix}-copy-{n:07d}"
        copy["source"] = _source(rng)
        delay = min(rng.expovariate(1 / 1200.0), 6 * 3600.0)
        copy["published_at"] = (START + timedelta(seconds=t + 1 + delay)).isoformat()
        timed.append((t + 1 + delay, copy))
    timed.sort(key=lambda pair: pair[0])
    return [{k: v for k, v in a.items() if not k.startswith("_")} for _, a in timed]


def load_originals(path: Path) -> list[dict[str, Any]]:
    """Articles from a JSON Lines file, to stand as originals (labels are dropped)."""
    rows = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                rows.append({k: row.get(k) for k in ("id", "source", "title", "body", "language")})
    return rows


def encode_lines(feed: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(a, ensure_ascii=False).encode() for a in feed]
