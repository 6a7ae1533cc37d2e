"""What an article names, found without a model: names, places, numbers, dates."""

from __future__ import annotations

import json
import random
from pathlib import Path

from pipeline.mentions import (
    _NOT_PLAIN,
    _PLAIN_WORDS,
    _names_of_run,
    _pattern_tokens,
    _tokens,
    is_day,
    mentions,
)


def test_names_places_numbers_and_months_are_found() -> None:
    found = mentions(
        "Quake hits Qeshm",
        "A magnitude 6.1 earthquake struck the island of Qeshm on 27 November, killing "
        "ten people, the Red Crescent said. Rescuers from Bandar Abbas arrived by boat.",
    )
    for expected in ("qeshm", "6.1", "27", "november", "red crescent", "bandar abbas"):
        assert expected in found
    # Common words are not names; the words of a long name also stand alone.
    assert "earthquake" not in found and "the" not in found
    assert "abbas" in found


def test_a_sentence_start_is_a_name_only_when_capitalised_elsewhere() -> None:
    found = mentions(None, "Rescuers searched the rubble. Police said Rescuers had left.")
    assert "police" not in found  # capitalised only where a sentence starts
    assert "rescuers" in found  # capitalised inside a sentence too


def test_accents_are_folded_and_thousands_read_as_one_number() -> None:
    found = mentions(None, "Le président a parlé à l'Élysée devant 1,200 invités.")
    assert "elysee" in found
    assert "1200" in found


def test_numbers_meet_whatever_the_language_writes_them() -> None:
    french = mentions(None, "Ryanair a annulé 170 vols : 30 000 passagers, et 39,3 degrés à Nice.")
    english = mentions(None, "Ryanair cancelled 170 flights: 30,000 passengers, and 39.3C in Nice.")
    german = mentions(None, "Ryanair strich 170 Flüge: 30.000 Fluggäste, und 39,3 Grad in Nizza.")
    for found in (french, english, german):
        assert {"170", "30000", "39.3"} <= set(found), found
    # Not every space or point is a thousands separator.
    assert {"2019", "100", "0.125"} <= set(mentions(None, "En 2019 100 personnes, 0.125 mm."))


def test_a_hyphenated_name_also_meets_its_parts() -> None:
    found = mentions(None, "Des vols annulés à Paris-Orly et à Baden-Württemberg.")
    assert {"paris orly", "orly", "baden wurttemberg", "wurttemberg"} <= set(found)


def test_days_and_dates_meet_across_languages() -> None:
    french = mentions(None, "Poutine a parlé à Trump jeudi 3 juillet, au téléphone.")
    english = mentions(None, "Putin spoke to Trump on Thursday, July 3, by phone.")
    german = mentions(None, "Putin sprach am Donnerstagabend, dem 3. Juli, mit Trump.")
    spanish = mentions(None, "Putin habló con Trump el jueves 3 de julio.")
    italian = mentions(None, "Putin ha parlato con Trump giovedì 3 luglio.")
    for found in (french, english, german, spanish, italian):
        assert {"thursday", "july", "july 3"} <= set(found), found
    assert all(is_day(m) for m in ("thursday", "july 3")) and not is_day("july")


def test_english_months_and_weekdays_count_only_capitalised() -> None:
    found = mentions(None, "Troops may march on. In March and May, 12 people.")
    assert "march" in found and "may" in found
    assert mentions(None, "They may march on, said the mayor of Nice.") == ["nice"]
    # A number beside a month is a date only when it can be a day.
    assert "june 45" not in mentions(None, "June 45 people came.")


def test_days_count_in_the_headline_and_lead_only() -> None:
    lead = "Putin and Trump spoke on Thursday. " + "The talks went on for an hour. " * 30
    found = mentions("The call of Thursday", lead + "Talks resume on Monday, July 14.")
    assert "thursday" in found
    # Further down, a story's other days name no happening: months still count.
    assert "monday" not in found and "july 14" not in found and "july" in found


def test_names_read_for_an_earlier_article_change_nothing_for_a_later_one() -> None:
    """A run's names are kept across articles (`_names_of_run`): an article finds the
    same mentions whether the runs it shares with earlier ones were read for them or not,
    in the same order."""
    earlier = "Vladimir Poutine et Donald Trump ont parlé. Poutine l'a dit au Kremlin."
    later = "Trump called Putin's office, and Vladimir Poutine spoke of the Kremlin's Peskov."
    _names_of_run.cache_clear()
    alone = mentions("Poutine, Trump", later)
    mentions("Poutine et Trump", earlier)
    assert mentions("Poutine, Trump", later) == alone
    assert _names_of_run.cache_info().hits > 0
    assert {"putin", "trump", "vladimir putin", "vladimir", "peskov"} <= set(alone), alone


def test_the_tokens_are_the_patterns_with_runs_of_plain_words_as_one() -> None:
    """`_tokens` takes words and marks between spaces as they are and sends the rest to
    the pattern: the tokens must be the pattern's over the whole text, whatever comes,
    but for runs of plain words, which `mentions` reads as one."""
    rng = random.Random(5)
    pieces = [
        *"ab Z1 2 ,.;:'\u2019-\n\u00a0\u202fÉé«»\"()…!?_3",
        " ", "  ", "000", "de ", "del ", "juillet ", "Juli ", "May ", "may ", "3 ", "Paris ",
        "the ", "The ", "ΑΘΗΝΑ ", "漢字 ", "iPhone ", "l'Élysée ", "qu'il ", "said, ", "Word. ",
        "30 000 ", "1,200 ", "(AFP) ", "Baden-Württemberg ",
    ]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 50))) for _ in range(3000)]
    seeds = Path(__file__).parents[3] / "pipeline/feeds/data/seed_articles.jsonl"
    texts += [json.loads(line)["body"] for line in seeds.read_text().splitlines()]
    for text in texts:
        assert _runs_as_one(_tokens(text)) == _runs_as_one(_pattern_tokens(text)), text


def _runs_as_one(tokens: list[str]) -> list[str]:
    """The tokens with each run of plain words as one (all `mentions` tells apart)."""
    out: list[str] = []
    for token in tokens:
        plain = token[0].islower() and token not in _NOT_PLAIN
        if not (plain and out and out[-1] == _PLAIN_WORDS):
            out.append(_PLAIN_WORDS if plain else token)
    return out
