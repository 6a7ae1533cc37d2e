"""Stored text is plain text: an entity that decodes to markup never becomes a tag, and
a literal "<" that is no tag stays."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text import clean_text, safe_url

TAG_SHAPE = re.compile(r"<[A-Za-z/!?][^<>]*>")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt; Storm", "Storm"),
        ("&lt;b&gt;Storm&lt;/b&gt; warning", "Storm warning"),
        ("&lt;img src=x onerror=alert(1)&gt;Floods", "Floods"),
        ("&#60;iframe src=//evil&#62;Quake", "Quake"),
        ("<b>&lt;</b>script<b>&gt;</b>x", "< script > x"),
        ("Storm &amp; floods", "Storm & floods"),
        ("x &lt; y and y &gt; z", "x < y and y > z"),
        ("a <sc<b>ript>b", "a b"),
        ("&lt;sc&lt;b&gt;ript&gt;x", "< sc ript>x"),
        ("&lt;&lt;b&gt;b&gt;", "< b>"),
    ],
)
def test_decoded_entities_never_become_markup(raw: str, expected: str) -> None:
    cleaned = clean_text(raw)
    assert cleaned == expected
    assert not TAG_SHAPE.search(cleaned)


def test_double_encoded_markup_stays_text() -> None:
    cleaned = clean_text("&amp;lt;script&amp;gt;")
    assert cleaned == "&lt;script&gt;"
    assert not TAG_SHAPE.search(cleaned)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "\tjava\nscript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:text/html,x",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative/path",
        "mailto:desk@example.org",
        "http:",
        "https://",
    ],
)
def test_unsafe_urls_are_refused(url: str) -> None:
    assert safe_url(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        (" HTTP://Example.org/a ", "HTTP://Example.org/a"),
        ("http://example.org/a&amp;b", "http://example.org/a&b"),
        ("https://example.org/?q=two words", "https://example.org/?q=two%20words"),
    ],
)
def test_http_urls_are_kept(url: str, expected: str) -> None:
    assert safe_url(url) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["<", ">", "&lt;", "&gt;", "&#60;", "&#x3e;", "&amp;", "script", "b", "/", " ", "x"]
        ),
        max_size=40,
    ).map("".join)
)
def test_no_tag_survives_whatever_the_mix_of_markup_and_entities(text: str) -> None:
    assert not TAG_SHAPE.search(clean_text(text))
