"""Base58 as Bitcoin uses it (base58check) and Monero's block-wise variant."""

from __future__ import annotations

import hashlib

__all__ = [
    "ALPHABET",
    "b58check_decode",
    "b58check_encode",
    "b58decode",
    "b58encode",
    "monero_b58decode",
]

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

# Monero encodes 8-byte blocks as 11 characters; a final short block of n
# bytes takes _MONERO_BLOCK_CHARS[n] characters.
_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_MONERO_CHARS_TO_BYTES = {chars: size for size, chars in enumerate(_MONERO_BLOCK_CHARS)}


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def b58decode(text: str) -> bytes | None:
    """Bytes of a base58 string, None when a character is outside the alphabet."""
    number = 0
    for char in text:
        digit = _INDEX.get(char)
        if digit is None:
            return None
        number = number * 58 + digit
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading + body


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars: list[str] = []
    while number:
        number, digit = divmod(number, 58)
        chars.append(ALPHABET[digit])
    leading = len(data) - len(data.lstrip(b"\x00"))
    return "1" * leading + "".join(reversed(chars))


def b58check_decode(text: str) -> bytes | None:
    """The payload (version bytes included) of a base58check string whose
    4-byte double-SHA-256 checksum holds; None otherwise."""
    raw = b58decode(text)
    if raw is None or len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if _sha256d(payload)[:4] != checksum:
        return None
    return payload


def b58check_encode(payload: bytes) -> str:
    return b58encode(payload + _sha256d(payload)[:4])


def monero_b58decode(text: str) -> bytes | None:
    """Monero's base58: 11-character blocks of 8 bytes, a shorter last block.
    None for a bad character, a bad last-block length or a block that
    overflows its byte size."""
    out = bytearray()
    for offset in range(0, len(text), 11):
        block = text[offset : offset + 11]
        size = _MONERO_CHARS_TO_BYTES.get(len(block))
        if size is None or size == 0:
            return None
        number = 0
        for char in block:
            digit = _INDEX.get(char)
            if digit is None:
                return None
            number = number * 58 + digit
        if number >> (8 * size):
            return None
        out += number.to_bytes(size, "big")
    return bytes(out)
