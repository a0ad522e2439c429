"""HTML to plain text for indicator extraction: tags dropped, entities
decoded, script, style and template content skipped, and each link's target
written after its text ('Click here <https://...>') so that hidden
destinations are seen.

A small scanner rather than the standard library's `html.parser`, which is
quadratic on unclosed comments (200 kB of '<!--' takes over a minute). Every
search starts where the last one ended, so the work is linear in the input.
Nothing is fetched or run.
"""

from __future__ import annotations

import re
from html import unescape

__all__ = ["html_to_text"]

_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "td", "th", "title", "tr", "ul",
    }
)  # fmt: skip
_RAW_TEXT_END = {
    name: re.compile(rf"</{name}\b", re.IGNORECASE) for name in ("script", "style", "template")
}
_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9:-]*)")
_HREF = re.compile(r"\bhref\s*=\s*", re.IGNORECASE)
_UNQUOTED = re.compile(r"[^\s>]*")
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:", "ftp:", "hxxp", "www.")


def _href(source: str, start: int, end: int) -> str | None:
    """The first href in the tag source[start:end], if it is a link worth showing."""
    match = _HREF.search(source, start, end)
    if match is None:
        return None
    i = match.end()
    if i < end and source[i] in "\"'":
        close = source.find(source[i], i + 1, end)
        value = source[i + 1 : close if close >= 0 else end]
    else:
        value = _UNQUOTED.match(source, i, end).group()  # type: ignore[union-attr]
    href = unescape(value).strip()
    return href if href.lower().startswith(_LINK_SCHEMES) else None


def html_to_text(source: str) -> str:
    parts: list[str] = []
    links: list[str | None] = []
    pos, size = 0, len(source)
    while pos < size:
        lt = source.find("<", pos)
        if lt < 0:
            parts.append(unescape(source[pos:]))
            break
        parts.append(unescape(source[pos:lt]))
        if source.startswith("<!--", lt):
            end = source.find("-->", lt + 4)
            if end < 0:
                break  # an unclosed comment hides the rest
            pos = end + 3
            continue
        name = _TAG_NAME.match(source, lt + 1)
        if name is None and not source.startswith(("<!", "<?"), lt):
            parts.append("<")  # a stray '<' in text
            pos = lt + 1
            continue
        gt = source.find(">", lt + 1)
        if gt < 0:
            parts.append(unescape(source[lt:]))  # no tag can close: the rest is text
            break
        pos = gt + 1
        if name is None:
            continue  # <!DOCTYPE ...>, <?xml ...?>
        tag = name.group(1).lower()
        closing = source[lt + 1] == "/"
        if not closing and tag in _RAW_TEXT_END:
            end_tag = _RAW_TEXT_END[tag].search(source, pos)
            end = source.find(">", end_tag.end()) if end_tag else -1
            if end < 0:
                break  # never closed: the rest is script or style
            pos = end + 1
            continue
        if tag in _BLOCK:
            parts.append("\n")
        if tag == "a":
            if not closing:
                links.append(_href(source, lt, gt))
            elif links:
                href = links.pop()
                if href:
                    parts.append(f" <{href}> ")
    parts.extend(f" <{href}> " for href in links if href)  # anchors never closed
    return "".join(parts)
