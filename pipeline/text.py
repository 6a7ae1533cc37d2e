"""Text clean-up shared by validation, fingerprinting and embedding."""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

# Every pattern runs in linear time on hostile input: a tag cannot contain "<", so a
# run of unclosed "<p" costs one scan, not one per "<".
_TAG = re.compile(r"<[^<>]{0,2000}>")
# What an HTML parser reads as a tag: "<" then a letter, "/", "!" or "?". Text decoded
# from entities is stripped with this one, so that "x &lt; y &gt; z" keeps its words.
_STRICT_TAG = re.compile(r"<[A-Za-z/!?][^<>]{0,2000}>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_SCRIPT_CLOSE = {
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}
_BLOCK_END = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote)\b[^<>]*>", re.IGNORECASE)
# C0/C1 control characters except tab and newline, plus zero-width and bidi controls.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
# Anything the two patterns above would change, with "  " (two spaces): clean text has
# none, and one scan for it costs a fraction of the two substitutions. A character class
# alone, with the spaces looked for apart, scans 2.4 times faster than one alternation.
_UNCLEAN_CHARS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
    r"\t\u00a0\u2000-\u200a\u3000]"
)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
# In ASCII, \w is letters, digits and "_": everything else splits words.
_ASCII_NON_WORD = str.maketrans(
    {chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) == "_")}
)
_REPLACED_AT_MOST = 32  # distinct characters `words` replaces one by one, beyond: one pass


def clean_text(text: str) -> str:
    """Plain readable text: HTML tags removed, entities decoded, control characters gone,
    spaces folded, paragraphs kept as single newlines.

    Markup never survives, even when it was written as entities: tags are stripped, then
    entities decoded, then whatever the decoding (or the first pass, `<a<b>c>`) turned
    into a tag is stripped too, and a tag left whole by that pass (`&lt;a&lt;b&gt;c&gt;`)
    is broken ("< a c>"): the result has no "<" that an HTML parser would read as a tag."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "<" in text:
        text = _strip_markup(text, _TAG)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text and _STRICT_TAG.search(text):
        text = _strip_markup(text, _STRICT_TAG)
        if _STRICT_TAG.search(text):
            text = _TAG_START.sub("< ", text)
    if "  " in text or _UNCLEAN_CHARS.search(text):
        text = _CONTROL.sub("", text)
        text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _strip_markup(text: str, tag: re.Pattern[str]) -> str:
    text = _drop_scripts(text)
    text = _BLOCK_END.sub("\n", text)
    return tag.sub(" ", text)


def safe_url(url: str) -> str | None:
    """The URL cleaned, when it is an absolute http(s) URL with a host; None for anything
    else (javascript:, vbscript:, data:, file:, relative or scheme-less links, any case,
    any blanks or entities around or inside the scheme): only those are links."""
    # As a browser reads it: tabs and newlines anywhere are dropped ("java\nscript:" is
    # javascript:); a space left inside a sloppy link is encoded.
    cleaned = re.sub(r"\s", "", clean_text(url).replace(" ", "%20"))
    if not cleaned or "\\" in cleaned:
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # a malformed IPv6 host
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return cleaned


def _drop_scripts(text: str) -> str:
    """Remove <script> and <style> elements with their content. A scan, not a lazy regex:
    `<script.*?</script>` is quadratic on a text full of unclosed `<script`."""
    parts = []
    position = 0
    while (opening := _SCRIPT_OPEN.search(text, position)) is not None:
        closing = _SCRIPT_CLOSE[opening.group(1).lower()].search(text, opening.end())
        if closing is None:
            break  # unclosed: its tags are stripped like any other
        parts.append(text[position : opening.start()])
        parts.append(" ")
        position = closing.end()
    parts.append(text[position:])
    return "".join(parts)


def words(text: str) -> list[str]:
    """Lower-cased word tokens with accents folded, so that 'Élysée' and 'Elysee' match."""
    folded = text.casefold()
    if folded.isascii():  # nothing to decompose, and a faster split than the regex
        return folded.translate(_ASCII_NON_WORD).split()
    # Accents become marks, which go; characters beyond ASCII that are no part of a word
    # can become spaces. Each is replaced in one call for all its places: `str.translate`
    # reads a text beyond ASCII character by character, several times slower.
    folded = unicodedata.normalize("NFKD", folded)
    marks, non_word, letters_beyond_ascii = [], [], False
    for ch in set(folded):
        if ch.isascii():
            continue
        if unicodedata.combining(ch):
            marks.append(ch)
        elif ch.isalnum():  # a word character to `_WORD`
            letters_beyond_ascii = True
        else:
            non_word.append(ch)
    if len(marks) + len(non_word) > _REPLACED_AT_MOST:  # one pass, however many they are
        return _WORD.findall(folded.translate(dict.fromkeys(map(ord, marks))))
    for mark in marks:
        folded = folded.replace(mark, "")
    if letters_beyond_ascii:
        return _WORD.findall(folded)
    for ch in non_word:
        folded = folded.replace(ch, " ")
    return folded.translate(_ASCII_NON_WORD).split()  # ASCII now: as above


HEADLINE_CHARS = 160
# Chinese and Japanese end a sentence with a full-width mark and no space after it.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s|(?<=[。！？])")


def first_sentence(body: str) -> str:
    """What stands for a title when an article has none: its first sentence, shortened."""
    first_line = body.split("\n", 1)[0]
    sentence = _SENTENCE_END.split(first_line, 1)[0]
    if len(sentence) > HEADLINE_CHARS:
        sentence = sentence[: HEADLINE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence
