"""Hypothesis strategies of hostile input: mostly article-shaped JSON objects with hostile
values (every code point, lone surrogates, markup, SQL, odd dates), sometimes other JSON
or raw bytes. Validation is checked on them alone (tests/unit/dedup/test_hostile_input.py)
and through a real worker (tests/integration/test_hostile_pipeline.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
# Every code point, surrogates and controls included: json.dumps writes lone surrogates as
# \\udxxx escapes, which is how they arrive in real feeds.
any_text = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    ),
    max_size=200,
)
hostile_text = st.one_of(
    any_text,
    st.sampled_from(
        [
            "",
            " ",
            "\u0000",
            "<p></p>",
            "&nbsp;",
            "<script>x</script>",
            "\u200b",
            "'); DROP TABLE articles; --",
            "<img src=x onerror=alert(1)>",
            "\r\n\r\n",
        ]
    ),
    st.builds(lambda a, b: a + b, any_text, st.sampled_from(["<", "<p", "<script", "&#0;"])),
)
dates = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.text(max_size=30),
    st.integers(),
)


@st.composite
def hostile_messages(draw: st.DrawFn) -> bytes:
    """Mostly article-shaped objects with hostile values; sometimes something else."""
    kind = draw(st.sampled_from(["article", "article", "article", "json", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    fields: dict[str, Any] = {}
    for name, values in (
        ("id", hostile_text),
        ("source", hostile_text),
        ("body", hostile_text),
        ("title", hostile_text),
        ("url", hostile_text),
        ("language", hostile_text),
        ("published_at", dates),
    ):
        if draw(st.booleans()) or name in ("id", "source", "body"):
            fields[name] = draw(st.one_of(values, json_values) if draw(st.booleans()) else values)
    fields.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3)))
    return json.dumps(fields, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
