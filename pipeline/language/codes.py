"""Language codes as producers write them ("fr", "FR", "fr-FR", "fr_CA", "fra", "fre",
"French", "français") turned into ISO 639-1 ("fr")."""

from __future__ import annotations

import re

# ISO 639-2 (bibliographic and terminology) and 639-3 codes, and English and native
# names, of the languages a news wire is most likely to carry.
_ALIASES = {
    "fr": ("fra", "fre", "french", "francais", "français"),
    "en": ("eng", "english"),
    "de": ("deu", "ger", "german", "deutsch"),
    "es": ("spa", "spanish", "espanol", "español", "castellano"),
    "it": ("ita", "italian", "italiano"),
    "nl": ("nld", "dut", "dutch", "nederlands"),
    "pt": ("por", "portuguese", "portugues", "português"),
    "ru": ("rus", "russian", "русский"),
    "uk": ("ukr", "ukrainian", "українська"),
    "pl": ("pol", "polish", "polski"),
    "ca": ("cat", "catalan", "català"),
    "ar": ("ara", "arabic"),
    "zh": ("zho", "chi", "chinese"),
    "ja": ("jpn", "japanese"),
    "tr": ("tur", "turkish"),
    "sv": ("swe", "swedish"),
    "da": ("dan", "danish"),
    "ro": ("ron", "rum", "romanian"),
    "el": ("ell", "gre", "greek"),
}
_CODE_OF = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}
_PRIMARY = re.compile(r"^\s*([A-Za-z]{2,3}|[^\W\d_]{4,20})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def normalise_code(value: str | None) -> str | None:
    """The ISO 639-1 code for a language tag or name; None when it is not one."""
    if not value:
        return None
    match = _PRIMARY.match(value)
    if match is None:
        return None
    primary = match.group(1).casefold()
    if len(primary) == 2 and primary.isascii():
        return primary
    return _CODE_OF.get(primary)
