"""HTML to text: visible text, links, forms, hidden text, and bounded work."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.html import MAX_TOKENS, html_to_text

PAGE = """<!DOCTYPE html><html><head><title>Title text</title>
<style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
<body><p>Dear customer &amp; friend,</p>
<div style="display:none">hidden salt words</div>
<p>Please <a href="https://login.example.test/verify">www.bank.example</a> today.</p>
<form action="https://collect.example.test/p"><input type="password" name="pw"></form>
<a href="mailto:x@example.test"><img alt="logo"></a><!-- a comment -->
</body></html>"""


def test_visible_text_only() -> None:
    result = html_to_text(PAGE)
    assert "Dear customer & friend," in result.text
    assert "Please www.bank.example today." in result.text
    for absent in ("Title text", "color", "not text", "hidden salt", "a comment"):
        assert absent not in result.text
    assert result.hidden_chars == len("hidden salt words")
    assert not result.truncated


def test_links_and_forms_are_kept_apart() -> None:
    result = html_to_text(PAGE)
    assert [(link.href, link.text) for link in result.links] == [
        ("https://login.example.test/verify", "www.bank.example"),
        ("mailto:x@example.test", "logo"),
    ]
    assert [(f.action, f.has_password) for f in result.forms] == [
        ("https://collect.example.test/p", True)
    ]


def test_nested_hidden_elements_end_where_they_close() -> None:
    result = html_to_text("<div hidden>a <div>b</div> c</div><p>shown</p>")
    assert result.text == "shown"
    assert result.hidden_chars == 3


def test_unclosed_title_ends_at_body() -> None:
    assert html_to_text("<title>x<body><p>text</p>").text == "text"


def test_output_is_cut_at_max_chars() -> None:
    result = html_to_text("<p>" + "word " * 1000 + "</p>", max_chars=100)
    assert len(result.text) <= 100
    assert result.truncated


@pytest.mark.parametrize(
    "bomb",
    [
        "<" * 400_000,
        "<!--" * 100_000,
        "<a href='" * 100_000,
        "<div>" * 300_000,
        "<p " + "a=b " * 200_000,
        "<script>" * 100_000,
        "&#" * 300_000,
        '<div style="display:none">' * 150_000 + "x",
    ],
    ids=["lt", "comment", "quote", "nest", "attrs", "script", "entity", "hidden"],
)
def test_html_bombs_finish_and_say_so(bomb: str) -> None:
    result = html_to_text(bomb)
    assert len(result.text) <= 500_000
    assert isinstance(result.truncated, bool)
    tags = bomb.count("<")
    if tags > MAX_TOKENS:
        assert result.truncated


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["<a href='http://x.test'>", "</a>", "<p>", "<!--", "-->", "<script>",
                 "</script>", "<div hidden>", "</div>", "&amp;", "<form>", "<input type=password>",
                 "<", ">", '"', "'", "=", "<title>", "<body>", "<img alt='a'>", "<br/>"]
            ),
            st.text(max_size=10),
        ),
        max_size=40,
    ).map("".join)
)  # fmt: skip
def test_any_markup_gives_text(markup: str) -> None:
    result = html_to_text(markup)
    assert isinstance(result.text, str)
    assert "<script>" not in result.text
    assert all(isinstance(link.href, str) for link in result.links)
