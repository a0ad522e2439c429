"""The base58, bech32 and CashAddr codecs on their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.indicators._base58 import (
    b58check_decode,
    b58check_encode,
    b58decode,
    b58encode,
    monero_b58decode,
)
from vigil.indicators._bech32 import cashaddr_decode, convert_bits, segwit_decode
from vigil.indicators.crypto import eip55_checksum


def test_base58_encode_decode_vectors(shared_data: Path) -> None:
    path = shared_data / "crypto/vectors/raw/bitcoinjs-lib/base58_encode_decode.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    vectors = json.loads(path.read_text())
    for hex_bytes, encoded in vectors:
        assert b58encode(bytes.fromhex(hex_bytes)) == encoded
        assert b58decode(encoded) == bytes.fromhex(hex_bytes)
    print(f"\nVECTORS base58_encode_decode.json: {len(vectors)}/{len(vectors)} passed")


@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    if data:  # base58check needs at least a version byte
        assert b58check_decode(b58check_encode(data)) == data


def test_base58_rejects_characters_outside_the_alphabet() -> None:
    assert b58decode("0OIl") is None
    assert b58check_decode("1111") is None  # too short for a checksum


def test_monero_base58_rejects_bad_blocks() -> None:
    assert monero_b58decode("1" * 4) is None  # no block is 4 characters long
    assert monero_b58decode("zzzzzzzzzzz") is None  # overflows 8 bytes
    assert monero_b58decode("11") == b"\x00"


def test_bip173_reference_address() -> None:
    decoded = segwit_decode("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
    assert decoded is not None
    assert (decoded.hrp, decoded.version) == ("bc", 0)
    assert decoded.program.hex() == "751e76e8199196d454941c45d1b3a323f1433bd6"


def test_convert_bits_rejects_non_zero_padding() -> None:
    assert convert_bits([31], 5, 8, pad=False) is None
    assert convert_bits([0xFF], 8, 5, pad=True) == [31, 28]


def test_cashaddr_needs_the_right_prefix() -> None:
    payload = "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    assert cashaddr_decode(payload, "bitcoincash") is not None
    assert cashaddr_decode(payload, "bchtest") is None
    assert cashaddr_decode(payload.upper(), "bitcoincash") is not None
    assert cashaddr_decode(payload[:-1] + "b", "bitcoincash") is None


def test_eip55_reference_cases() -> None:
    # from the EIP-55 text
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ):
        assert eip55_checksum(address.lower()) == address
