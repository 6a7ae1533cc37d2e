"""Scripts written without spaces between words: Chinese and Japanese.

`pipeline.text.words` splits at spaces and punctuation, which in these scripts gives
whole clauses ("俄罗斯总统普京7月3日与美国总统特朗普通电话"): two reports of one event
share none, and a wire copy with one character changed loses every shingle around it.
Without a dictionary, the usual way in search engines (Lucene's CJK analyser) serves
both needs here:
- near-duplicates: each character is a token, so shingles are character n-grams (and
  the lead, `lead_words` tokens, that many characters);
- word evidence: overlapping pairs of characters (most Chinese words are two
  characters long, and a longer name is matched by its pairs).
Digits and Latin letters inside such a run stay whole tokens ("2025", "g7").

Korean separates its words with spaces and is left as it is; Thai, which does not, is
not handled (its letters are phonetic: pairs of them say little).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Han ideographs (with extension A and the compatibility block), hiragana and katakana
# (with the prolonged-sound mark, the small phonetic extensions and the half-width forms).
_UNSPACED = "\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
_PIECES = re.compile(f"[{_UNSPACED}]+|[^{_UNSPACED}]+")


def has_unspaced(text: str) -> bool:
    """Whether the text holds any character of these scripts (ASCII never does)."""
    return not text.isascii() and _HAS_UNSPACED.search(text) is not None


def characters(tokens: list[str]) -> list[str]:
    """The tokens with each run of these scripts split into its characters."""
    return _with_runs_as(tokens, list)


def bigrams(tokens: list[str]) -> list[str]:
    """The tokens with each run of these scripts replaced by its overlapping pairs of
    characters; a run of one character (a counter word between two numbers, "7月3日")
    says too little alone and is left out."""
    return _with_runs_as(tokens, lambda run: [run[n : n + 2] for n in range(len(run) - 1)])


def _with_runs_as(tokens: list[str], terms: Callable[[str], list[str]]) -> list[str]:
    """Each run of these scripts inside a token replaced by `terms(run)`; the rest of a
    token (digits, Latin letters) kept whole."""
    out: list[str] = []
    for token in tokens:
        if _HAS_UNSPACED.search(token) is None:
            out.append(token)
            continue
        for piece in _PIECES.findall(token):
            out.extend(terms(piece) if _HAS_UNSPACED.match(piece) else (piece,))
    return out
