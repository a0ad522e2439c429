"""Text drawn into PNG screenshots with a system font that has the glyphs,
for OCR tests in every script the issue lists (vigil.text.samples draws).

Fonts come from scripts/system-packages.txt (DejaVu for Latin, Cyrillic,
Greek and Arabic; Loma for Thai; WenQuanYi Micro Hei for Chinese); Arabic
is shaped and laid out right to left through libraqm. A missing font fails
the test with the package to install."""

from __future__ import annotations

import pytest

from tests.text.languages import LURES, WALLET
from vigil.text.samples import text_screenshot

__all__ = ["LURES", "WALLET", "render"]


def render(language: str, lines: list[str]) -> bytes:
    data = text_screenshot(language, lines)
    if data is None:
        pytest.fail(
            f"no font (or no libraqm) to draw {language!r}: install scripts/system-packages.txt "
            "(make setup)"
        )
    return data
