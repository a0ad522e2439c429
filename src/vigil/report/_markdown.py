"""A deliberately tiny Markdown subset for model cards: headings, bullet
lists, paragraphs, **bold**, *emphasis* and `code`.

Safety comes from the order: each line is HTML-escaped first, then only fixed
tags are wrapped around the escaped text, so no input can open a tag or an
attribute. Links and raw HTML are shown as plain text.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["markdown_to_html"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def _inline(text: str) -> str:
    html = str(escape(text))
    parts = _CODE.split(html)  # odd positions are code spans: no further markup
    for index in range(0, len(parts), 2):
        parts[index] = _EMPHASIS.sub(
            r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", parts[index])
        )
    for index in range(1, len(parts), 2):
        parts[index] = f"<code>{parts[index]}</code>"
    return "".join(parts)


def markdown_to_html(text: str) -> Markup:
    """Render the subset; headings start at <h4> to sit inside a report section."""
    out: list[str] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{' '.join(paragraph)}</p>")
            paragraph.clear()
        if bullets:
            out.append("<ul>" + "".join(f"<li>{b}</li>" for b in bullets) + "</ul>")
            bullets.clear()

    for line in text.splitlines():
        heading, bullet = _HEADING.match(line), _BULLET.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 3, 6)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet:
            if paragraph:
                flush()
            bullets.append(_inline(bullet.group(1)))
        elif bullets and line.startswith((" ", "\t")):
            bullets[-1] += " " + _inline(line.strip())  # continuation of a list item
        else:
            if bullets:
                flush()
            paragraph.append(_inline(line.strip()))
    flush()
    return Markup("\n".join(out))
