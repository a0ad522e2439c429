"""Phone numbers through libphonenumber's Python port, normalised to E.164."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

__all__ = ["PhoneHit", "check_region", "find_phone_numbers", "parse_international"]

_SEGMENT_CHARS = 4096
"""The matcher gives up after a fixed number of tries, so long texts are fed
to it in line-aligned segments of about this size."""
_MAX_TRIES = 65535
_THREE_DIGITS = re.compile(r"\d\D{0,4}\d\D{0,4}\d")

_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


@dataclass(frozen=True, slots=True)
class PhoneHit:
    start: int
    end: int
    e164: str
    region: str
    """ISO 3166 region of the number ('001' for non-geographic services), or ''."""
    number_type: str
    """fixed_line, mobile, fixed_line_or_mobile, toll_free, voip, ..."""
    international: str


def check_region(region: str | None) -> str | None:
    """The upper-cased region hint, or ValueError when libphonenumber does not know it."""
    if region is None:
        return None
    upper = region.upper()
    if upper not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r}")
    return upper


def _describe(number: phonenumbers.PhoneNumber, start: int, end: int) -> PhoneHit:
    return PhoneHit(
        start,
        end,
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(number) or "",
        _TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
        phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
    )


def _segments(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(len(text), start + _SEGMENT_CHARS)
        if end < len(text):
            newline = text.rfind("\n", start, end)
            end = newline + 1 if newline > start else end
        yield start, text[start:end]
        start = end


_PLUS = re.compile(r"[+＋](?=[\s()\[\]\-./]{0,4}\d)")
_BEFORE_PLUS = 64
_AFTER_PLUS = 256
"""Context handed to the matcher around a '+': more than any candidate it
builds (libphonenumber bounds them), so the result is the same as reading
the whole text."""


def _plus_windows(text: str) -> Iterator[tuple[int, str]]:
    """Stretches of text around each '+' that a digit follows, overlapping
    ones merged."""
    start = end = -1
    for plus in _PLUS.finditer(text):
        lo = max(0, plus.start() - _BEFORE_PLUS)
        hi = min(len(text), plus.end() + _AFTER_PLUS)
        if lo <= end:
            end = max(end, hi)
            continue
        if end > start:
            yield start, text[start:end]
        start, end = lo, hi
    if end > start:
        yield start, text[start:end]


def find_phone_numbers(text: str, region: str | None = None) -> Iterator[PhoneHit]:
    """Valid numbers (libphonenumber's VALID leniency). Without a region hint
    only numbers written in international form (+CC...) are found, so only
    the text around each '+' is handed to the matcher; with one, national
    forms of that region too, and the whole text is read."""
    region = check_region(region)
    pieces = _segments(text) if region is not None else _plus_windows(text)
    for offset, piece in pieces:
        if not _THREE_DIGITS.search(piece):
            continue
        matcher = PhoneNumberMatcher(piece, region, leniency=Leniency.VALID, max_tries=_MAX_TRIES)
        for match in matcher:
            yield _describe(match.number, offset + match.start, offset + match.end)


def parse_international(digits: str, start: int, end: int) -> PhoneHit | None:
    """A number given as country code plus national digits with no '+'
    (as in wa.me links), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _describe(number, start, end)
