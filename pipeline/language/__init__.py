"""Languages: ISO 639-1 codes for what producers write, detection of the language of an
article that has none, and the word evidence of each language (stop words, elision,
names written differently across languages)."""

from pipeline.language.codes import normalise_code
from pipeline.language.detect import detect_language, language_of
from pipeline.language.words import content_words, fold_alias

__all__ = ["content_words", "detect_language", "fold_alias", "language_of", "normalise_code"]
