"""Detection of an article's language with the real py3langid model, on short texts."""

from __future__ import annotations

import pytest

from pipeline.language.detect import detect_language, language_of

LEADS = {
    "fr": "Poutine à Trump : la Russie ne renoncera pas à ses objectifs en Ukraine",
    "en": "Putin tells Trump Russia will not back away from its goals in Ukraine",
    "de": "Putin bekräftigt im Telefonat mit Trump seine Kriegsziele",
    "es": "Putin le dice a Trump que Rusia no renunciará a sus objetivos en Ucrania",
    "it": "Telefonata Putin-Trump, lo zar: la Russia non rinuncerà ai suoi obiettivi",
}


@pytest.mark.parametrize("language", sorted(LEADS))
def test_a_headline_is_enough(language: str) -> None:
    assert detect_language(LEADS[language]) == language


def test_the_given_language_wins_when_it_is_one() -> None:
    assert language_of("FR-fr", None, LEADS["de"]) == "fr"
    assert language_of(None, None, LEADS["de"]) == "de"
    # Not a language: detected instead.
    assert language_of("fr'--", LEADS["it"], "") == "it"


def test_a_text_without_letters_has_no_language() -> None:
    assert detect_language("2025 - 12:30 / 45 %") is None
