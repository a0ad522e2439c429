"""IBANs (checked by schwifty: country format, length, mod-97) and payment
card numbers (Luhn plus the issuer ranges of the major brands)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

__all__ = [
    "CardHit",
    "IbanHit",
    "card_brand",
    "find_cards",
    "find_ibans",
    "luhn_valid",
    "mask_card",
]


@dataclass(frozen=True, slots=True)
class IbanHit:
    start: int
    end: int
    iban: str
    """Compact, upper-case."""
    country: str
    formatted: str
    bank_code: str
    bic: str
    bank_name: str
    aspirational: bool
    """The country's format is reserved but not yet in the official IBAN registry."""


_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?=[ \-]?[A-Z0-9])")
_SEPARATORS = " -"
_IBAN_MIN, _IBAN_MAX = 15, 34


def _is_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _iban_ends(text: str, start: int) -> Iterator[tuple[str, int]]:
    """(compact, end) for each place an IBAN starting at `start` could end:
    upper-case letters and digits, one space or hyphen allowed between
    them, ending where the run of letters and digits ends."""
    chars: list[str] = []
    i = start
    while len(chars) < _IBAN_MAX and i < len(text):
        char = text[i]
        if char.isascii() and (char.isdigit() or char.isupper()):
            chars.append(char)
            i += 1
            if len(chars) >= _IBAN_MIN and not (i < len(text) and _is_alnum(text[i])):
                yield "".join(chars), i
        elif char in _SEPARATORS and i + 1 < len(text) and _is_alnum(text[i + 1]):
            i += 1
        else:
            return


def find_ibans(text: str) -> Iterator[IbanHit]:
    """IBANs written compact or in groups. schwifty checks each candidate
    length against the country's format, so at most one can pass."""
    for m in _IBAN_START.finditer(text):
        for compact, end in _iban_ends(text, m.start()):
            try:
                iban = IBAN(compact)
            except (SchwiftyException, ValueError):
                continue
            yield IbanHit(
                m.start(),
                end,
                str(iban.compact),
                iban.country_code,
                iban.formatted,
                iban.bank_code,
                *_bank(iban),
                bool(getattr(iban, "is_aspirational", False)),
            )
            break


def _bank(iban: IBAN) -> tuple[str, str]:
    """BIC and bank name from schwifty's (partial) registry; '' when unknown."""
    try:
        bic = iban.bic
        name = iban.bank_name
    except (SchwiftyException, KeyError, ValueError):
        return "", ""
    return (str(bic) if bic else ""), (name or "")


# --- payment cards -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardHit:
    start: int
    end: int
    number: str
    brand: str


_CARD = re.compile(
    r"(?<![A-Za-z0-9_+\-.,/:#])(?<!\d )\d(?:[ \-]?\d){11,18}(?![A-Za-z0-9_]|[.,/:\-]\d| \d)"
)
_GROUPINGS = frozenset(
    {
        (4, 4, 4, 4),
        (4, 4, 4, 4, 3),
        (4, 4, 4, 4, 2),
        (4, 4, 4, 4, 1),
        (4, 4, 4, 1),
        (4, 4, 4, 3),
        (4, 4, 4, 2),
        (4, 6, 5),
        (4, 6, 4),
        (4, 4, 5),
        (4, 4, 4, 4, 4),
    }
)
# Words just before a number that make it a phone number or a reference
# (parcel, order, serial), not a card
_NOT_CARD_CONTEXT = re.compile(
    r"(?i)(?:\btel\b|\btel\.|phone|\bcall|mobile|\bmob\b|whats\s?app|\bwa\b|\bfax\b|\bsms\b|"
    r"viber|signal|telefon|tel[eé]fono|t[eé]l[eé]phone|telepon|handy|cell|"
    r"โทร|电话|手机|電話|телефон|тел\b|☎|📞|📱|"
    r"track|parcel|package|order|invoice|serial|\bsn\b|\bawb\b|\bresi\b|pesanan|"
    r"paket|sendung|colis|พัสดุ|พัสุด|เลขที่|快递|运单|订单|單號)[^\n\d]{0,12}$"
)

# (brand, IIN prefix ranges, allowed lengths); the first match wins
_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("amex", ((34, 34), (37, 37)), frozenset({15})),
    ("mir", ((2200, 2204),), frozenset({16, 17, 18, 19})),
    ("mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("visa", ((4, 4),), frozenset({13, 16, 19})),
    ("jcb", ((3528, 3589),), frozenset({16, 17, 18, 19})),
    ("diners", ((300, 305), (3095, 3095), (36, 36), (38, 39)), frozenset(range(14, 20))),
    ("discover", ((6011, 6011), (644, 649), (65, 65)), frozenset({16, 17, 18, 19})),
    ("unionpay", ((62, 62), (81, 81)), frozenset({16, 17, 18, 19})),
    ("maestro", ((50, 50), (56, 58), (639, 639), (67, 67)), frozenset(range(12, 20))),
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The brand whose issuer range and length fit the number, or None."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return brand
    return None


def mask_card(digits: str) -> str:
    """All but the last four digits hidden, for explanations and logs."""
    return "•" * (len(digits) - 4) + digits[-4:]


def find_cards(text: str) -> Iterator[CardHit]:
    """Card numbers written as 12-19 digits, compact or in the usual groups
    with one kind of separator; Luhn-valid, in a known brand's issuer range,
    not glued to a word and not announced as a phone number or a parcel,
    order or serial number."""
    for m in _CARD.finditer(text):
        raw = m.group()
        separators = {c for c in raw if not c.isdigit()}
        if len(separators) > 1:
            continue
        digits = re.sub(r"\D", "", raw)
        if separators:
            groups = tuple(len(g) for g in re.split(r"[ \-]", raw))
            if groups not in _GROUPINGS:
                continue
        if len(set(digits)) == 1 or not luhn_valid(digits):
            continue
        brand = card_brand(digits)
        if brand is None:
            continue
        if m.start() > 0 and text[m.start() - 1].isalpha():
            continue  # glued to a word: an identifier, not a card written out
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _NOT_CARD_CONTEXT.search(text, max(line_start, m.start() - 40), m.start()):
            continue
        yield CardHit(m.start(), m.end(), digits, brand)
