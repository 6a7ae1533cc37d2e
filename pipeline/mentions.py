"""What an article names: people, places, organisations, numbers and dates written in
its text. Cheap and language-agnostic (capitalisation and digits, no model): it runs on
every unique article in the embedding stage at tens of thousands of articles a second,
and its result travels on the `Embedded` record.

A mention is a run of capitalised words that does not start a sentence (a sentence's
first word is kept only when the same word is capitalised elsewhere in the text), a
number, a year, or a month name. Numbers are written one way whatever the language's
separators: a group of three digits after a comma, a point or a (no-break) space is
thousands, anything else a decimal part ("1,200", "1.200" and "1 200" -> "1200"; "39,3"
and "39.3" -> "39.3"). A hyphenated name also yields its parts ("Paris-Orly" meets a
later "Orly"), as a name of several words does. All are lower-cased with accents folded,
so "Élysée" and "Elysee" meet. Two stories of the same kind share their common words;
they rarely share their names and numbers.

A statistical NER pipeline (spaCy's small models) was weighed: 35 to 43 documents a
second on one core would more than halve the embedding stage, for entities this already
finds in the wire style (names and places are capitalised in every language the desk
reads); see README, Accuracy.
"""

from __future__ import annotations

import re

from pipeline.language.words import fold_alias
from pipeline.text import words

# A capitalised word (any script with case), a number, or punctuation that ends a sentence.
_TOKEN = re.compile(
    r"[^\W\d_][\w'\u2019\-]*"
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+(?:[.,]\d+)*"  # 30 000, in French
    r"|\d+(?:[.,]\d+)*"
    r"|[.!?…:;,\n«»\"“”()]",
    re.UNICODE,
)
_NUMBER_GROUP = re.compile(r"[ .,\u00a0\u202f](\d+)")
_SENTENCE_END = frozenset(".!?…:;\n")


def _bag(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


_MONTHS = _bag(
    "january february march april may june july august september october november december",
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "januar februar marz juni juli oktober dezember enero febrero marzo abril mayo junio",
    "julio agosto septiembre octubre noviembre diciembre",
)
# Capitalised words that name nothing, whatever their place in the sentence.
_NOT_NAMES = _bag(
    "the a an he she it they we i you his her its their this that these those there here",
    "le la les un une des il elle ils elles on nous vous ce cette ces du de au aux et",
    "der die das ein eine el los las mr mrs ms dr monday tuesday wednesday thursday friday",
    "saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche",
)
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['\u2019]", re.IGNORECASE)  # l'Élysée, d'Ukraine
MAX_MENTIONS = 64


def mentions(title: str | None, body: str, max_chars: int = 4000) -> list[str]:
    """The distinct mentions of the title and the start of the body, in order."""
    text = f"{title}.\n{body[:max_chars]}" if title else body[:max_chars]
    tokens = [t for t in (_ELISION.sub("", t) for t in _TOKEN.findall(text)) if t]
    capitalised_inside: set[str] = set()
    start = True
    for token in tokens:
        if token in _SENTENCE_END or not token[0].isalpha():
            start = token in _SENTENCE_END
            continue
        if not start and token[0].isupper():
            capitalised_inside.add(token)
        start = False
    found: dict[str, None] = {}
    run: list[str] = []

    def close() -> None:
        if run:
            parts = [_POSSESSIVE.sub("", w) for w in run]
            # Names in one form across languages (Poutine / Putin, Kiew / Kyiv).
            name = " ".join(fold_alias(w) for w in words(" ".join(parts)))
            if name and name not in _NOT_NAMES:
                found[name] = None
                if " " in name:  # "Hasim Rahman" also meets a later "Rahman"
                    found.update((w, None) for w in name.split() if len(w) > 2)
            run.clear()

    start = True
    for token in tokens:
        first = token[0]
        if token in _SENTENCE_END or not (first.isalnum()):
            close()
            start = token in _SENTENCE_END
            continue
        if first.isdigit():
            close()
            found[_number(token)] = None
        elif first.isupper() and (not start or token in capitalised_inside):
            if token.casefold() in _NOT_NAMES:
                close()
            else:
                run.append(token)
        else:
            close()
            folded = token.casefold()
            if folded in _MONTHS:
                found[folded] = None
        start = False
    close()
    return list(found)[:MAX_MENTIONS]


def _number(token: str) -> str:
    """A number in one form: thousands groups joined, the decimal part after a point."""
    head = re.match(r"\d+", token)
    assert head is not None  # the token starts with a digit
    digits, decimals = head.group(), ""
    # Thousands groups follow one to three leading digits, never a lone zero ("0.125").
    may_group = len(digits) <= 3 and digits != "0"
    for group in _NUMBER_GROUP.finditer(token, head.end()):
        if may_group and not decimals and len(group.group(1)) == 3:
            digits += group.group(1)
        else:
            decimals += group.group(1)
    return f"{digits}.{decimals}" if decimals else digits
