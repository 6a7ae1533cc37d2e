"""Word tokens: lower case, accents folded, whatever the script."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

from pipeline.text import first_sentence, words


def test_accents_fold_and_marks_split_words() -> None:
    assert words("L\u2019Élysée « confirme » l\u2019appel") == [
        "l",
        "elysee",
        "confirme",
        "l",
        "appel",
    ]
    assert words("Straße, Œuvre: Москва 2025_07") == ["strasse", "œuvre", "москва", "2025_07"]


def test_words_are_the_runs_of_word_characters_once_accents_are_gone() -> None:
    """Whatever the text: every code point, beside ASCII letters and accented ones."""
    rng = random.Random(3)
    pool = [chr(c) for c in (*range(32, 0x590), *range(0x2000, 0x2070), 0x3000, 0x4E00, 0xFEFF)]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    points = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    texts += ["a é".join(points[n : n + 64]) for n in range(0, len(points), 64)]
    for text in texts:
        assert words(text) == _by_definition(text), text


def _by_definition(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"\w+", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def test_the_first_sentence_ends_at_a_full_width_mark_too() -> None:
    body = "葡萄牙足协3日发表声明，对若塔遇难表示哀悼。事故发生在西班牙。"
    assert first_sentence(body) == "葡萄牙足协3日发表声明，对若塔遇难表示哀悼。"
    assert first_sentence("Le Kremlin a parlé. Puis rien.") == "Le Kremlin a parlé."
