"""Writing systems of letters: which script a character belongs to and which
one dominates a text (by Unicode block, no language model)."""

from __future__ import annotations

import unicodedata
from collections import Counter

__all__ = ["char_script", "dominant_script"]

_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0000, 0x0250, "latin"),
    (0x1E00, 0x1F00, "latin"),
    (0x0370, 0x0400, "greek"),
    (0x1F00, 0x2000, "greek"),
    (0x0400, 0x0530, "cyrillic"),
    (0x0590, 0x0600, "hebrew"),
    (0x0600, 0x0700, "arabic"),
    (0x0750, 0x0780, "arabic"),
    (0xFB50, 0xFE00, "arabic"),  # presentation forms
    (0xFE70, 0xFF00, "arabic"),
    (0x0900, 0x0980, "devanagari"),
    (0x0E00, 0x0E80, "thai"),
    (0x1100, 0x1200, "hangul"),
    (0xAC00, 0xD7B0, "hangul"),
    (0x3040, 0x3100, "cjk"),
    (0x3400, 0x4DC0, "cjk"),
    (0x4E00, 0xA000, "cjk"),
)


def char_script(char: str) -> str:
    """The script of one character: latin, greek, cyrillic, hebrew, arabic,
    devanagari, thai, hangul, cjk, else the first word of its Unicode name
    in lower case ('' for characters without a name)."""
    code = ord(char)
    for start, end, script in _BLOCKS:
        if start <= code < end:
            return script
    return unicodedata.name(char, "").split(" ")[0].lower()


def dominant_script(text: str, limit: int = 4000) -> str:
    """The script of most letters among the first `limit` characters; 'none'
    when there is no letter."""
    counts = Counter(char_script(c) for c in text[:limit] if c.isalpha())
    return counts.most_common(1)[0][0] if counts else "none"
