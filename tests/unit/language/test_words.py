"""Word evidence across languages: names in one form, elision, stop words per language."""

from __future__ import annotations

from pipeline.events.lexical import term_vector
from pipeline.language.words import content_words, guess_language


def test_names_written_differently_meet() -> None:
    fr = content_words("Poutine a appelé Kiev depuis Moscou ; Ouchakov l'a confirmé")
    de = content_words("Putin rief Kiew aus Moskau an; Uschakow bestätigte es")
    en = content_words("Putin called Kyiv from Moscow; Ushakov confirmed it")
    for name in ("putin", "kyiv", "moscow", "ushakov"):
        assert name in fr and name in de and name in en, name


def test_elided_articles_leave_the_word() -> None:
    words = content_words("l'Ukraine, d'Istanbul, jusqu'à l\u02bcOtan, dell'Ucraina")
    assert words.count("ukraine") == 2  # French and Italian
    assert "istanbul" in words and "nato" in words
    assert content_words("jusqu'à Kiev", "fr", drop_stop_words=True) == ["kyiv"]
    assert content_words("nell'Ucraina dell'est", "it", drop_stop_words=True) == ["ukraine", "est"]


def test_stop_words_are_those_of_the_text_language() -> None:
    german = "Es war das sechste Telefonat der beiden Präsidenten, sagte der Kreml."
    assert guess_language(german.casefold().split()) == "de"
    dropped = content_words(german, drop_stop_words=True)
    assert "war" not in dropped and "telefonat" in dropped and "kremlin" in dropped
    english = "The war in Ukraine was the subject of the call."
    assert "war" in content_words(english, drop_stop_words=True)  # a content word in English


def test_term_vectors_share_the_folded_names() -> None:
    fr = term_vector("Poutine et Zelensky", "Kiev et Moscou")
    de = term_vector("Putin und Selenskyj", "Kiew und Moskau")
    assert {"putin", "zelensky", "kyiv", "moscow"} <= fr.keys() & de.keys()
