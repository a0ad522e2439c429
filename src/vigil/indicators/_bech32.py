"""Bech32 and bech32m (BIP173, BIP350), segwit addresses and CashAddr.

Written from the BIP texts and the CashAddr specification; checked against
their published vectors in tests/indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CHARSET",
    "Bech32Decoded",
    "CashAddrDecoded",
    "Encoding",
    "SegwitDecoded",
    "bech32_decode",
    "cashaddr_decode",
    "convert_bits",
    "segwit_decode",
]

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_MAX_LENGTH = 90


class Encoding(StrEnum):
    BECH32 = "bech32"
    BECH32M = "bech32m"


@dataclass(frozen=True, slots=True)
class Bech32Decoded:
    hrp: str
    data: tuple[int, ...]
    """5-bit groups, checksum removed."""
    encoding: Encoding


@dataclass(frozen=True, slots=True)
class SegwitDecoded:
    hrp: str
    version: int
    program: bytes


@dataclass(frozen=True, slots=True)
class CashAddrDecoded:
    prefix: str
    type_bits: int
    """0 P2PKH, 1 P2SH, 2 token-aware P2PKH, 3 token-aware P2SH."""
    hash: bytes


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= generator[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(text: str) -> Bech32Decoded | None:
    """Decode any bech32 or bech32m string (BIP173/BIP350 rules: printable
    ASCII, at most 90 characters, one case, a non-empty HRP, a 6-character
    checksum). None when it is not one."""
    if len(text) > _MAX_LENGTH:
        return None
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        return None
    if text.lower() != text and text.upper() != text:
        return None
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1 or sep + 7 > len(text):
        return None
    hrp = text[:sep]
    data: list[int] = []
    for char in text[sep + 1 :]:
        value = _CHARSET_INDEX.get(char)
        if value is None:
            return None
        data.append(value)
    const = _polymod(_hrp_expand(hrp) + data)
    if const == _BECH32_CONST:
        encoding = Encoding.BECH32
    elif const == _BECH32M_CONST:
        encoding = Encoding.BECH32M
    else:
        return None
    return Bech32Decoded(hrp, tuple(data[:-6]), encoding)


def convert_bits(
    data: tuple[int, ...] | list[int] | bytes, from_bits: int, to_bits: int, pad: bool
) -> list[int] | None:
    """Regroup bits; without padding, leftover bits must be fewer than
    from_bits and all zero (BIP173's rule)."""
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            return None
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        return None
    return out


def segwit_decode(text: str) -> SegwitDecoded | None:
    """A segwit address under BIP350: version 0 uses bech32 with a 20- or
    32-byte program, versions 1-16 use bech32m with 2-40 bytes."""
    decoded = bech32_decode(text)
    if decoded is None or not decoded.data:
        return None
    version = decoded.data[0]
    if version > 16:
        return None
    program = convert_bits(decoded.data[1:], 5, 8, pad=False)
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if decoded.encoding is not expected:
        return None
    return SegwitDecoded(decoded.hrp, version, bytes(program))


def _cashaddr_polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 35
        chk = ((chk & 0x07FFFFFFFF) << 5) ^ value
        if top & 0x01:
            chk ^= 0x98F2BC8E61
        if top & 0x02:
            chk ^= 0x79B76D99E2
        if top & 0x04:
            chk ^= 0xF33E5FB3C4
        if top & 0x08:
            chk ^= 0xAE2EABE2A8
        if top & 0x10:
            chk ^= 0x1E4F43E470
    return chk ^ 1


_CASHADDR_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)


def cashaddr_decode(payload: str, prefix: str) -> CashAddrDecoded | None:
    """Decode the part after 'prefix:' of a CashAddr address (one case,
    8-character checksum over the lower-cased prefix, version byte with a
    known type and a matching hash size)."""
    if payload.lower() != payload and payload.upper() != payload:
        return None
    payload = payload.lower()
    values: list[int] = []
    for char in payload:
        value = _CHARSET_INDEX.get(char)
        if value is None:
            return None
        values.append(value)
    if len(values) < 9:
        return None
    prefix_values = [ord(c) & 31 for c in prefix.lower()] + [0]
    if _cashaddr_polymod(prefix_values + values) != 0:
        return None
    data = convert_bits(values[:-8], 5, 8, pad=False)
    if not data:
        return None
    version, body = data[0], bytes(data[1:])
    if version & 0x80:
        return None
    type_bits = (version >> 3) & 0x0F
    if type_bits > 3 or len(body) != _CASHADDR_SIZES[version & 0x07]:
        return None
    return CashAddrDecoded(prefix.lower(), type_bits, body)
