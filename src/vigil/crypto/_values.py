"""Small exact conversions for node replies: amounts, hex quantities, JSON."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import cast

from vigil.domain.model import JsonValue

__all__ = [
    "MAX_JSON_BYTES",
    "coin_to_base_units",
    "hex_quantity",
    "load_json_bytes",
    "normalize_address",
]

MAX_JSON_BYTES = 256 * 1024 * 1024
"""Largest single reply read (a full mainnet block at verbosity 2 is ~10 MB)."""

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_BECH32_PREFIX = re.compile(r"(bc|tb|bcrt|ltc|tltc|rltc)1", re.IGNORECASE)
_CASHADDR_PREFIX = re.compile(r"(bitcoincash|bchtest|bchreg):", re.IGNORECASE)


def load_json_bytes(data: bytes | str) -> JsonValue:
    """Parse JSON keeping decimal fractions exact (as Decimal, never float).

    Raises ValueError for anything that is not JSON."""
    if isinstance(data, bytes):
        if len(data) > MAX_JSON_BYTES:
            raise ValueError("reply larger than the limit")
        text = data.decode("utf-8")
    else:
        text = data
    return cast(JsonValue, json.loads(text, parse_float=Decimal))


def coin_to_base_units(value: object, decimals: int = 8) -> tuple[int | None, bool]:
    """A coin amount as written by a node (e.g. 50.00000000) in base units.

    Returns (units, exact). units is None when the value is not a number;
    exact is False when the amount had more decimals than the chain has,
    in which case it is rounded to the nearest unit (never silently)."""
    if isinstance(value, bool) or value is None:
        return None, False
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None, False
    if not amount.is_finite():
        return None, False
    scaled = amount.scaleb(decimals)
    units = int(scaled.to_integral_value())
    return units, scaled == units


def hex_quantity(value: object) -> int | None:
    """An Ethereum JSON-RPC quantity ('0x1a') or a plain int/decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else None
    if not isinstance(value, str) or not value or len(value) > 80:
        return None
    try:
        if value[:2] in ("0x", "0X"):
            return int(value[2:], 16) if len(value) > 2 else 0
        return int(value, 10)
    except ValueError:
        return None


def normalize_address(text: str) -> str:
    """The form addresses are stored and compared in.

    Ethereum hex addresses, bech32 and CashAddr are case-insensitive and are
    lower-cased; base58 addresses are case-sensitive and kept as written."""
    text = text.strip()
    if _HEX_ADDRESS.fullmatch(text):
        return text.lower()
    if _CASHADDR_PREFIX.match(text) or _BECH32_PREFIX.match(text):
        if text.lower() == text or text.upper() == text:
            return text.lower()
    return text
