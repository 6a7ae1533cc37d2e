"""What an article names: people, places, organisations, numbers and dates written in
its text. Cheap and language-agnostic (capitalisation and digits, no model): it runs on
every unique article in the embedding stage at thousands of articles a second,
and its result travels on the `Embedded` record.

A mention is a run of capitalised words that does not start a sentence (a sentence's
first word is kept only when the same word is capitalised elsewhere in the text), a
number, a year, a month or a weekday (in one form across languages: "jeudi 3 juillet",
"Thursday, July 3" and "Donnerstag, 3. Juli" each give "thursday", "july" and the date
"july 3"; weekdays and dates only in the headline and the lead, `LEAD_CHARS`; `is_day`
tells them, and the event matcher compares them on their own: two reports of one
happening name the same day far more often than two of its kind).
Numbers are written one way whatever the language's separators: a group of three digits
after a comma, a point or a (no-break) space is thousands, anything else a decimal part
("1,200", "1.200" and "1 200" -> "1200"; "39,3" and "39.3" -> "39.3"). A hyphenated
name also yields its parts ("Paris-Orly" meets a later "Orly"), as a name of several
words does. All are lower-cased with accents folded, so "Élysée" and "Elysee" meet.
Two stories of the same kind share their common words; they rarely share their names
and numbers.

A statistical NER pipeline (spaCy's small models) was weighed: 35 to 43 documents a
second on one core would more than halve the embedding stage, for entities this already
finds in the wire style (names and places are capitalised in every language the desk
reads); see README, Accuracy.
"""

from __future__ import annotations

import functools
import re
from itertools import pairwise

from pipeline.language.words import fold_alias
from pipeline.text import words

_MARKS = '.!?…:;,\n«»"“”()'  # punctuation, each mark a token
# A capitalised word (any script with case), a number, or punctuation that ends a sentence.
_TOKEN = re.compile(
    r"[^\W\d_][\w'\u2019\-]*"
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+(?:[.,]\d+)*"  # 30 000, in French
    r"|\d+(?:[.,]\d+)*"
    r"|[" + re.escape(_MARKS) + "]",
    re.UNICODE,
)
_NUMBER_GROUP = re.compile(r"[ .,\u00a0\u202f](\d+)")
_SENTENCE_END = frozenset(".!?…:;\n")


def _bag(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


# Months and weekdays in one form across languages (the English name), so that "3 juillet",
# "July 3" and "3. Juli" meet; a day of the month beside its month is a mention too.
_MONTH_LINES = (
    "january janvier januar enero gennaio",
    "february février februar febrero febbraio",
    "march mars märz marzo",
    "april avril abril aprile",
    "may mai mayo maggio",
    "june juin juni junio giugno",
    "july juillet juli julio luglio",
    "august août agosto",
    "september septembre septiembre settembre",
    "october octobre oktober octubre ottobre",
    "november novembre noviembre",
    "december décembre dezember diciembre dicembre",
)
_WEEKDAY_LINES = (
    "monday lundi montag lunes lunedì",
    "tuesday mardi dienstag martes martedì",
    "wednesday mercredi mittwoch miércoles mercoledì",
    "thursday jeudi donnerstag jueves giovedì",
    "friday vendredi freitag viernes venerdì",
    "saturday samedi samstag sonnabend sábado sabato",
    "sunday dimanche sonntag domingo domenica",
)


def _english_names(lines: tuple[str, ...]) -> dict[str, str]:
    """Each name as a token may write it -> the English one: capitalised, and in other
    languages lower-case too, each with and without its accents ("may" and "march" are
    English verbs; English writes its months and weekdays capitalised)."""
    names = {}
    for line in lines:
        english, *others = line.split()
        for name in (english, *others):
            for form in {name, "".join(words(name))}:
                names[form.capitalize()] = english
                if name is not english:
                    names[form] = english
    return names


_CALENDAR = _english_names(_MONTH_LINES) | _english_names(_WEEKDAY_LINES)
_MONTH_NAMES = frozenset(line.split()[0] for line in _MONTH_LINES)
_WEEKDAY_NAMES = frozenset(line.split()[0] for line in _WEEKDAY_LINES)
# German writes the time of day onto the weekday: "Donnerstagabend".
_GERMAN_DAY_PARTS = ("abend", "morgen", "mittag", "nacht")
_GERMAN_DAY_PART = re.compile(
    r"^(\w+?tag|mittwoch|sonnabend)s?(?:abend|morgen|mittag|nachmittag|vormittag|nacht)$"
)
# Capitalised words that name nothing, whatever their place in the sentence.
_NOT_NAMES = _bag(
    "the a an he she it they we i you his her its their this that these those there here",
    "le la les un une des il elle ils elles on nous vous ce cette ces du de au aux et",
    "der die das ein eine el los las mr mrs ms dr",
)
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['\u2019]", re.IGNORECASE)  # l'Élysée, d'Ukraine
MAX_MENTIONS = 64
# Days count where a report says when its happening happened: the headline and the lead
# (the body's first 800 characters). Further down, a story's past and future days ("talks
# resume on Monday") say less, and a long piece naming every day would meet every story.
# Measured (README, Accuracy): the whole text, 400 and 800 characters gave the worst dev
# figure 0.906, 0.899 and 0.907; the benchmark's generated feed, whose bodies name random
# weekdays, BCubed F1 0.780, 0.892 and 0.883.
LEAD_CHARS = 800


def mentions(title: str | None, body: str, max_chars: int = 4000) -> list[str]:
    """The distinct mentions of the title and the start of the body, in order."""
    body = body[:max_chars]
    cut = body.find(" ", LEAD_CHARS)
    cut = len(body) if cut < 0 else cut
    tokens = _tokens(f"{title}.\n{body[:cut]}" if title else body[:cut])
    lead = len(tokens)
    tokens += _tokens(body[cut:])
    # A token starts a sentence when it is the first or follows a sentence's end.
    capitalised_inside = {
        token
        for before, token in pairwise(tokens)
        if token[0].isupper() and token[0].isalpha() and before not in _SENTENCE_END
    }
    found: dict[str, None] = {}
    run: list[str] = []

    def close() -> None:
        if run:
            found.update(_names_of_run(" ".join(run)))
            run.clear()

    start = True
    day = month = None  # a day of the month, or a month, just before: they pair up
    for n, token in enumerate(tokens):
        first = token[0]
        if first.islower() and token not in _CALENDAR:  # most words: the last branch below
            if run:
                close()
            if token not in ("de", "del"):
                day = month = None
            start = False
            continue
        if token in _SENTENCE_END or not (first.isalnum()):
            close()
            start = token in _SENTENCE_END
            if token != ".":  # "3. Juli"
                day = month = None
            continue
        calendar = _CALENDAR.get(token)
        if calendar is None and token.endswith(_GERMAN_DAY_PARTS):
            calendar = _german_weekday(token)
        if first.isdigit():
            close()
            number = _number(token)
            found[number] = None
            day = number if number.isdigit() and 1 <= int(number) <= 31 else None
            if day and month:
                found[f"{month} {day}"] = None
            month = None
        elif calendar is not None:
            close()
            is_month = calendar in _MONTH_NAMES
            if is_month or n < lead:
                found[calendar] = None
            month = calendar if is_month and n < lead else None
            if day and month:
                found[f"{month} {day}"] = None
            day = None
        elif first.isupper() and (not start or token in capitalised_inside):
            day = month = None
            if token.casefold() in _NOT_NAMES:
                close()
            else:
                run.append(token)
        else:
            close()
            if token not in ("de", "del"):  # "3 de julio"
                day = month = None
        start = False
    close()
    return list(found)[:MAX_MENTIONS]


@functools.lru_cache(maxsize=16_384)  # about 8 MB when full
def _names_of_run(run: str) -> dict[str, None]:
    """The mentions a run of capitalised words (joined by spaces) gives: its name, and
    the name's words where it has several. Kept across articles, since news names the
    same people and places all day; the dict is shared, to be read, never changed."""
    parts = [_POSSESSIVE.sub("", w) if "'" in w or "\u2019" in w else w for w in run.split(" ")]
    # Names in one form across languages (Poutine / Putin, Kiew / Kyiv).
    name = " ".join(fold_alias(w) for w in words(" ".join(parts)))
    if not name or name in _NOT_NAMES:
        return {}
    names = {name: None}
    if " " in name:  # "Hasim Rahman" also meets a later "Rahman"
        names.update((w, None) for w in name.split() if len(w) > 2)
    return names


# Stands for a run of plain words (lower case, neither a month or weekday nor "de" or
# "del"): to `mentions`, such a run does what one of its words does, so it is one token.
# It holds a space, which no token of the pattern starting with a letter does.
_PLAIN_WORDS = "plain words"
_NOT_PLAIN = frozenset(_CALENDAR) | {"de", "del"}
_PUNCTUATION = frozenset(_MARKS)


def _tokens(text: str) -> list[str]:
    """The pattern's tokens of the text, elisions removed, runs of plain words as one.

    Most of a text is words and punctuation between single spaces: they are taken as
    they are, and only the stretches between them (numbers, line breaks, apostrophes,
    hyphens) go to the pattern, which costs about 80 ns a character. No token of the
    pattern spans a space next to a letter or a mark (only digits group across one), so
    the tokens are the pattern's."""
    found: list[str] = []
    append = found.append
    rest: list[str] = []  # the chunks since the last one taken as it is
    plain = False  # the last token found is a run of plain words
    for chunk in text.split(" "):
        if chunk.isalpha():
            word, mark = chunk, None
        elif chunk in _PUNCTUATION:
            word, mark = None, chunk
        elif chunk[-1:] in _PUNCTUATION and chunk[:-1].isalpha():
            word, mark = chunk[:-1], chunk[-1]  # "said," is "said" and ","
        else:
            rest.append(chunk)
            continue
        if rest:
            if tokens := _pattern_tokens(" ".join(rest)):
                found += tokens
                plain = False
            rest.clear()
        if word is not None:
            if word[0].islower() and word not in _NOT_PLAIN:
                if not plain:
                    append(_PLAIN_WORDS)
                    plain = True
            else:
                append(word)
                plain = False
        if mark is not None:
            append(mark)
            plain = False
    if rest:
        found += _pattern_tokens(" ".join(rest))
    return found


def _pattern_tokens(text: str) -> list[str]:
    # Only a token with an apostrophe can carry an elision: the others skip the pattern.
    found = _TOKEN.findall(text)
    return [
        t for t in (_ELISION.sub("", t) if "'" in t or "\u2019" in t else t for t in found) if t
    ]


def is_day(mention: str) -> bool:
    """A mention that names a day: a weekday ("thursday") or a date ("july 3")."""
    if mention in _WEEKDAY_NAMES:
        return True
    month, _, day = mention.partition(" ")
    return month in _MONTH_NAMES and day.isdigit()


def _german_weekday(token: str) -> str | None:
    """The weekday of a German one with the time of day on it ("Donnerstagabend")."""
    if not token[0].isupper():
        return None
    compound = _GERMAN_DAY_PART.match(token.casefold())
    return _CALENDAR.get(compound.group(1).capitalize()) if compound else None


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
