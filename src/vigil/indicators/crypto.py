"""Cryptocurrency addresses: found by shape, kept only when their checksum holds.

Covers Bitcoin (base58check P2PKH/P2SH, bech32/bech32m segwit v0-v16 incl.
taproot), Litecoin (L/M/Q, ltc1), Dogecoin, Dash, Zcash transparent, Tron,
Bitcoin Cash CashAddr, Ethereum (EIP-55) and Monero (standard, integrated,
subaddress). A legacy base58 version byte shared by several chains is
attributed to the first of them and the others are listed in `also_valid_on`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from vigil.indicators._base58 import b58check_decode, b58check_encode, monero_b58decode
from vigil.indicators._bech32 import cashaddr_decode, segwit_decode
from vigil.indicators._keccak import keccak256

__all__ = [
    "CHAIN_KINDS",
    "CryptoAddress",
    "eip55_checksum",
    "find_crypto_addresses",
    "parse_crypto_address",
]

CHAIN_KINDS = {
    "bitcoin": "btc_address",
    "bitcoin-cash": "bch_address",
    "litecoin": "ltc_address",
    "dogecoin": "doge_address",
    "dash": "dash_address",
    "zcash": "zec_address",
    "tron": "trx_address",
    "ethereum": "eth_address",
    "monero": "xmr_address",
}
"""Indicator kind per chain."""


@dataclass(frozen=True, slots=True)
class CryptoAddress:
    """A checksum-valid address and what it decodes to."""

    chain: str
    network: str
    address_type: str
    value: str
    """Normalised: bech32 and CashAddr lower-cased (CashAddr with its prefix),
    Ethereum in its EIP-55 checksummed form, base58 as written."""
    also_valid_on: tuple[str, ...] = ()
    checksummed: bool = True
    """False only for an all-lower or all-upper Ethereum address (no EIP-55 checksum)."""
    legacy_value: str = ""
    """For CashAddr: the same hash in legacy base58 form."""
    warning: str = ""
    """A reason the address, though well formed, cannot hold spendable funds."""

    @property
    def kind(self) -> str:
        return CHAIN_KINDS[self.chain]


@dataclass(frozen=True, slots=True)
class _Version:
    chain: str
    network: str
    address_type: str
    also_valid_on: tuple[str, ...] = ()


_BASE58_VERSIONS: dict[bytes, _Version] = {
    b"\x00": _Version("bitcoin", "mainnet", "p2pkh", ("bitcoin-cash", "bitcoin-sv")),
    b"\x05": _Version("bitcoin", "mainnet", "p2sh", ("bitcoin-cash", "bitcoin-sv", "litecoin")),
    b"\x6f": _Version("bitcoin", "testnet", "p2pkh", ("bitcoin-cash", "litecoin")),
    b"\xc4": _Version("bitcoin", "testnet", "p2sh", ("bitcoin-cash", "litecoin", "dogecoin")),
    b"\x30": _Version("litecoin", "mainnet", "p2pkh"),
    b"\x32": _Version("litecoin", "mainnet", "p2sh"),
    b"\x3a": _Version("litecoin", "testnet", "p2sh"),
    b"\x1e": _Version("dogecoin", "mainnet", "p2pkh"),
    b"\x16": _Version("dogecoin", "mainnet", "p2sh"),
    b"\x71": _Version("dogecoin", "testnet", "p2pkh"),
    b"\x4c": _Version("dash", "mainnet", "p2pkh"),
    b"\x10": _Version("dash", "mainnet", "p2sh"),
    b"\x8c": _Version("dash", "testnet", "p2pkh"),
    b"\x13": _Version("dash", "testnet", "p2sh"),
    b"\x41": _Version("tron", "mainnet", "base58check"),
    b"\x1c\xb8": _Version("zcash", "mainnet", "p2pkh"),
    b"\x1c\xbd": _Version("zcash", "mainnet", "p2sh"),
    b"\x1d\x25": _Version("zcash", "testnet", "p2pkh"),
    b"\x1c\xba": _Version("zcash", "testnet", "p2sh"),
}

_SEGWIT_HRPS = {
    "bc": ("bitcoin", "mainnet"),
    "tb": ("bitcoin", "testnet"),
    "bcrt": ("bitcoin", "regtest"),
    "ltc": ("litecoin", "mainnet"),
    "tltc": ("litecoin", "testnet"),
    "rltc": ("litecoin", "regtest"),
}

_CASHADDR_PREFIXES = {"bitcoincash": "mainnet", "bchtest": "testnet", "bchreg": "regtest"}
_CASHADDR_TYPES = ("p2pkh", "p2sh", "p2pkh_token", "p2sh_token")
_CASHADDR_LEGACY_VERSIONS = {
    ("mainnet", 0): b"\x00",
    ("mainnet", 1): b"\x05",
    ("testnet", 0): b"\x6f",
    ("testnet", 1): b"\xc4",
}

_MONERO_PREFIXES = {
    18: ("mainnet", "standard"),
    19: ("mainnet", "integrated"),
    42: ("mainnet", "subaddress"),
    53: ("testnet", "standard"),
    54: ("testnet", "integrated"),
    63: ("testnet", "subaddress"),
    24: ("stagenet", "standard"),
    25: ("stagenet", "integrated"),
    36: ("stagenet", "subaddress"),
}

# secp256k1 field prime, for the taproot x-only key check
_SECP256K1_P = 2**256 - 2**32 - 977

_B58 = "1-9A-HJ-NP-Za-km-z"
_BECH = "02-9ac-hj-np-zAC-HJ-NP-Z"
_BASE58_RE = re.compile(rf"(?<![0-9A-Za-z])[{_B58}]{{25,36}}(?![0-9A-Za-z])")
_MONERO_RE = re.compile(rf"(?<![0-9A-Za-z])(?:[{_B58}]{{106}}|[{_B58}]{{95}})(?![0-9A-Za-z])")
# case spelt out rather than re.IGNORECASE, which is several times slower;
# mixed case is rejected by the decoder anyway
_SEGWIT_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:bcrt|tltc|rltc|ltc|bc|tb|BCRT|TLTC|RLTC|LTC|BC|TB)1"
    rf"[{_BECH}]{{6,86}}(?![0-9A-Za-z])"
)
# with its prefix, or without one (then not after any other 'word:')
_CASHADDR_RE = re.compile(
    r"(?:(?<![0-9A-Za-z])(?:bitcoincash|bchtest|bchreg|BITCOINCASH|BCHTEST|BCHREG):"
    r"|(?<![0-9A-Za-z:]))"
    rf"[qpzrQPZR](?:[{_BECH}]{{60}}|[{_BECH}]{{41}})(?![0-9A-Za-z])"
)
_ETH_RE = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")
_ETH_FULL = re.compile(r"0x[0-9a-fA-F]{40}")


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a 0x-prefixed 40-hex-digit address."""
    lower = address[2:].lower()
    digest = keccak256(lower.encode("ascii")).hex()[:40]
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(h, 16) >= 8 else c
        for c, h in zip(lower, digest, strict=True)
    )


def _parse_ethereum(text: str) -> CryptoAddress | None:
    if not _ETH_FULL.fullmatch(text):
        return None
    digits = text[2:]
    checksummed = eip55_checksum(text)
    if digits.lower() == digits or digits.upper() == digits:
        return CryptoAddress(
            "ethereum",
            "mainnet",
            "eoa_or_contract",
            checksummed,
            ("evm-compatible",),
            checksummed=False,
        )
    if text != checksummed:
        return None
    return CryptoAddress("ethereum", "mainnet", "eoa_or_contract", checksummed, ("evm-compatible",))


def _parse_base58check(text: str) -> CryptoAddress | None:
    if not 25 <= len(text) <= 36:
        return None
    payload = b58check_decode(text)
    if payload is None:
        return None
    for size in (1, 2):
        version = _BASE58_VERSIONS.get(payload[:size])
        if version is not None and len(payload) == size + 20:
            return CryptoAddress(
                version.chain, version.network, version.address_type, text, version.also_valid_on
            )
    return None


def _parse_segwit(text: str) -> CryptoAddress | None:
    decoded = segwit_decode(text)
    if decoded is None or decoded.hrp not in _SEGWIT_HRPS:
        return None
    chain, network = _SEGWIT_HRPS[decoded.hrp]
    program = decoded.program
    warning = ""
    if decoded.version == 0:
        kind = "p2wpkh" if len(program) == 20 else "p2wsh"
    elif decoded.version == 1 and len(program) == 32:
        kind = "p2tr"
        if not _is_x_only_key(program):
            # Bitcoin Core accepts the address; BIP341 makes any spend fail.
            warning = "taproot output key is not on secp256k1: unspendable"
    else:
        kind = f"witness_v{decoded.version}"
    return CryptoAddress(chain, network, kind, text.lower(), warning=warning)


def _is_x_only_key(program: bytes) -> bool:
    """BIP340: a taproot output key is an x coordinate on secp256k1."""
    x = int.from_bytes(program, "big")
    if x >= _SECP256K1_P:
        return False
    rhs = (pow(x, 3, _SECP256K1_P) + 7) % _SECP256K1_P
    return rhs == 0 or pow(rhs, (_SECP256K1_P - 1) // 2, _SECP256K1_P) == 1


def _parse_cashaddr(text: str) -> CryptoAddress | None:
    if text.lower() != text and text.upper() != text:
        return None
    prefix, sep, payload = text.rpartition(":")
    candidates = [prefix.lower()] if sep else ["bitcoincash", "bchtest"]
    for candidate in candidates:
        network = _CASHADDR_PREFIXES.get(candidate)
        if network is None:
            continue
        decoded = cashaddr_decode(payload, candidate)
        if decoded is None:
            continue
        legacy = ""
        legacy_version = _CASHADDR_LEGACY_VERSIONS.get((network, decoded.type_bits % 2))
        if legacy_version is not None and len(decoded.hash) == 20:
            legacy = b58check_encode(legacy_version + decoded.hash)
        value = f"{candidate}:{payload.lower()}"
        return CryptoAddress(
            "bitcoin-cash", network, _CASHADDR_TYPES[decoded.type_bits], value, legacy_value=legacy
        )
    return None


def _parse_monero(text: str) -> CryptoAddress | None:
    if len(text) not in (95, 106):
        return None
    raw = monero_b58decode(text)
    if raw is None or len(raw) not in (69, 77):
        return None
    body, checksum = raw[:-4], raw[-4:]
    if keccak256(body)[:4] != checksum:
        return None
    prefix = _MONERO_PREFIXES.get(body[0])
    if prefix is None:
        return None
    network, kind = prefix
    if (kind == "integrated") != (len(raw) == 77):
        return None
    return CryptoAddress("monero", network, kind, text)


def parse_crypto_address(text: str) -> CryptoAddress | None:
    """The address a whole string is, or None. Checksums are always checked."""
    if text.startswith("0x"):
        return _parse_ethereum(text)
    if len(text) in (95, 106):
        return _parse_monero(text)
    return _parse_segwit(text) or _parse_cashaddr(text) or _parse_base58check(text)


_SCANNERS = (
    (_ETH_RE, _parse_ethereum),
    (_SEGWIT_RE, _parse_segwit),
    (_CASHADDR_RE, _parse_cashaddr),
    (_BASE58_RE, _parse_base58check),
    (_MONERO_RE, _parse_monero),
)


def find_crypto_addresses(text: str) -> Iterator[tuple[int, int, CryptoAddress]]:
    """(start, end, address) for every checksum-valid address standing on
    its own in the text (not inside a longer run of ASCII letters and digits)."""
    for pattern, parse in _SCANNERS:
        for match in pattern.finditer(text):
            address = parse(match.group())
            if address is not None:
                yield match.start(), match.end(), address
