"""HTML to plain text with the links kept apart, in linear time.

A small tokenizer of its own rather than the standard library's
`html.parser`, whose handling of unclosed comments and tags is quadratic on
hostile input (a megabyte of ``<!--`` takes minutes). Every construct is
found with `str.find` from the current position and the position only moves
forward, so the work is linear in the input; no tree is built, so deep
nesting costs nothing.

Script, style, template, noscript and title content are skipped; text inside
elements styled as hidden (``display:none``, ``visibility:hidden``,
``font-size:0``, ``opacity:0``, the ``hidden`` attribute) is left out of the
text and counted, since phishing mail pads itself with hidden words. Input
beyond `max_input_chars` and output beyond `max_chars` are cut and the
result says so. Nothing is fetched, run or rendered.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass

__all__ = ["HtmlForm", "HtmlLink", "HtmlText", "html_to_text"]

MAX_INPUT_CHARS = 4_000_000
MAX_CHARS = 500_000
MAX_LINKS = 2_000
MAX_TOKENS = 100_000
"""Tags, comments and stray '<' read before the rest is cut (bounds the time
on tag bombs to about a second)."""
_MAX_TAG_CHARS = 4096
"""Attributes are read from at most this many characters of a tag."""

_RAW_TEXT = frozenset({"script", "style", "xmp", "textarea", "plaintext"})
_SKIP = frozenset({"template", "noscript", "title"})
_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "param", "source", "track", "wbr",
    }
)  # fmt: skip
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "td", "th", "tr", "ul",
    }
)  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:_-]{0,40})")
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden"
    r"|(?:font-size|max-height|opacity)\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|!|$)",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


@dataclass(frozen=True, slots=True)
class HtmlLink:
    href: str
    text: str
    """The visible text of the link (image links: the image's alt text)."""


@dataclass(frozen=True, slots=True)
class HtmlForm:
    action: str
    has_password: bool


@dataclass(frozen=True, slots=True)
class HtmlText:
    text: str
    links: tuple[HtmlLink, ...]
    forms: tuple[HtmlForm, ...] = ()
    hidden_chars: int = 0
    """Characters of text inside hidden elements (left out of `text`)."""
    truncated: bool = False
    hidden_text: str = ""
    """The text of hidden elements, up to `max_chars` (for indicators: a
    hidden address is still a pivot)."""


def _attributes(source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for match in _ATTR.finditer(source[:_MAX_TAG_CHARS]):
        name = match.group(1).lower()
        if name not in values:
            raw = match.group(2) or match.group(3) or match.group(4) or ""
            values[name] = _html.unescape(raw)
    return values


class _Collector:
    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.max_chars = max_chars
        self.truncated = False
        self.hidden_chars = 0
        self.hidden_parts: list[str] = []
        self._hidden_size = 0
        self.links: list[HtmlLink] = []
        self.forms: list[HtmlForm] = []
        self._skip: list[str] = []
        self._hidden: list[str] = []
        self._link: tuple[str, list[str]] | None = None
        self._link_size = 0
        self._form: tuple[str, bool] | None = None

    def emit(self, text: str) -> None:
        if self.size >= self.max_chars:
            self.truncated = True
            return
        room = self.max_chars - self.size
        if len(text) > room:
            text, self.truncated = text[:room], True
        self.parts.append(text)
        self.size += len(text)

    def data(self, raw: str) -> None:
        if self._skip or not raw:
            return
        text = _html.unescape(raw) if "&" in raw else raw
        if self._hidden:
            self.hidden_chars += len(text.strip())
            if self._hidden_size < self.max_chars:
                self.hidden_parts.append(text[: self.max_chars - self._hidden_size])
                self._hidden_size += len(self.hidden_parts[-1])
            return
        self.emit(text)
        if self._link is not None and self._link_size < 1000:
            self._link[1].append(text)
            self._link_size += len(text)

    def start(self, tag: str, values: dict[str, str], self_closing: bool) -> None:
        if tag == "body":
            self._skip.clear()  # an unclosed <title> or <noscript> ends here
        if tag in _SKIP and not self_closing:
            self._skip.append(tag)
            return
        if tag not in _VOID and not self_closing:
            if self._hidden_element(values) or (self._hidden and tag == self._hidden[-1]):
                self._hidden.append(tag)
        if tag in _BLOCK:
            self.emit("\n")
        if tag == "a" and "href" in values:
            self.close_link()
            self._link = (values["href"].strip(), [])
            self._link_size = 0
            if self_closing:
                self.close_link()
        elif tag == "area" and "href" in values and len(self.links) < MAX_LINKS:
            self.links.append(HtmlLink(values["href"].strip(), values.get("alt", "")))
        elif tag == "form":
            self.close_form()
            self._form = (values.get("action", "").strip(), False)
        elif tag == "input" and values.get("type", "").lower() == "password" and self._form:
            self._form = (self._form[0], True)
        elif tag == "img" and self._link is not None and values.get("alt"):
            self._link[1].append(values["alt"])

    def end(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()
        if tag in _BLOCK:
            self.emit("\n")
        if tag == "a":
            self.close_link()
        elif tag == "form":
            self.close_form()

    @staticmethod
    def _hidden_element(values: dict[str, str]) -> bool:
        if "hidden" in values:
            return True
        return bool(_HIDDEN_STYLE.search(values.get("style", "")[:_MAX_TAG_CHARS]))

    def close_link(self) -> None:
        if self._link is not None:
            href, text = self._link
            if len(self.links) < MAX_LINKS:
                self.links.append(HtmlLink(href, " ".join("".join(text).split())))
            self._link = None

    def close_form(self) -> None:
        if self._form is not None and len(self.forms) < MAX_LINKS:
            self.forms.append(HtmlForm(*self._form))
        self._form = None


def _tokenize(source: str, sink: _Collector) -> None:
    lowered = source.lower()
    length = len(source)
    pos = 0
    budget = MAX_TOKENS
    while pos < length:
        budget -= 1
        if budget < 0:
            sink.truncated = True
            return
        lt = source.find("<", pos)
        if lt < 0:
            sink.data(source[pos:])
            return
        if lt > pos:
            sink.data(source[pos:lt])
        if source.startswith("<!--", lt):
            close = source.find("-->", lt + 4)
            pos = length if close < 0 else close + 3
            continue
        if source.startswith(("<!", "<?"), lt):
            close = source.find(">", lt + 2)
            pos = length if close < 0 else close + 1
            continue
        match = _TAG.match(source, lt)
        if match is None:
            sink.data("<")
            pos = lt + 1
            continue
        close = source.find(">", match.end())
        if close < 0:
            return  # an unclosed tag at the end: nothing more is text
        closing, tag = match.group(1) == "/", match.group(2).lower()
        inner = source[match.end() : min(close, match.end() + _MAX_TAG_CHARS)]
        pos = close + 1
        if closing:
            sink.end(tag)
            continue
        self_closing = inner.endswith("/")
        sink.start(tag, _attributes(inner), self_closing)
        if tag in _RAW_TEXT and not self_closing:
            end = lowered.find("</" + tag, pos)
            if tag in ("textarea", "xmp"):
                sink.data(source[pos : length if end < 0 else end])
            if end < 0:
                return
            after = source.find(">", end)
            pos = length if after < 0 else after + 1
            sink.end(tag)


def html_to_text(
    html: str, *, max_chars: int = MAX_CHARS, max_input_chars: int = MAX_INPUT_CHARS
) -> HtmlText:
    """Visible text of an HTML document, its links and forms; never raises."""
    collector = _Collector(max_chars)
    _tokenize(html[:max_input_chars], collector)
    collector.close_link()
    collector.close_form()
    return HtmlText(
        _tidy(collector.parts),
        tuple(collector.links),
        tuple(collector.forms),
        collector.hidden_chars,
        len(html) > max_input_chars or collector.truncated,
        _tidy(collector.hidden_parts),
    )


def _tidy(parts: list[str]) -> str:
    text = _SPACES.sub(" ", "".join(parts))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _LINES.sub("\n\n", text).strip()
