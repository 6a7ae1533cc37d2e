"""Language tags and names as producers write them, to ISO 639-1."""

from __future__ import annotations

import pytest

from pipeline.language.codes import normalise_code


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fr-FR", "fr"),
        ("de_AT", "de"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("ger", "de"),
        ("spa", "es"),
        ("French", "fr"),
        ("français", "fr"),
        ("Deutsch", "de"),
        ("italiano", "it"),
        (" en ", "en"),
    ],
)
def test_tags_and_names_become_iso_639_1(given: str, code: str) -> None:
    assert normalise_code(given) == code


@pytest.mark.parametrize("given", [None, "", "fr'--", "12", "klingonish", "x"])
def test_what_is_not_a_language_is_none(given: str | None) -> None:
    assert normalise_code(given) is None
