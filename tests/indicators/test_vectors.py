"""Peer test vectors for address checksums (../shared/data/crypto/vectors).

Every record of every vector file is used. A valid record passes when the
string parses to the right chain, network, type and payload, and is found as
exactly one hit (with the right span) in a sentence but not when glued into
a longer alphanumeric run. An invalid record passes when no address of the
chain it names comes out, neither parsed alone nor extracted from a sentence.
Run with -s to see the per-family counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vigil.indicators import CRYPTO_KINDS, extract_indicators, parse_crypto_address
from vigil.indicators._base58 import b58check_decode, monero_b58decode
from vigil.indicators._bech32 import Encoding, bech32_decode, segwit_decode
from vigil.indicators.crypto import CryptoAddress

Record = dict[str, Any]


def _load(shared_data: Path, name: str) -> list[Record]:
    path = shared_data / "crypto" / "vectors" / name
    if not path.is_file():
        pytest.skip(f"vector file {path} not found")
    records: list[Record] = json.loads(path.read_text(encoding="utf-8"))["records"]
    assert records
    return records


def _crypto_hits(text: str) -> list[Any]:
    return [h for h in extract_indicators(text, kinds=["crypto"]) if h.kind in CRYPTO_KINDS]


def _found_alone(value: str, address: CryptoAddress) -> str | None:
    """None when the address is found exactly once in a sentence, with the
    right span and value, and not when glued to letters or digits."""
    text = f"Please send it to {value}, thanks."
    hits = _crypto_hits(text)
    if len(hits) != 1:
        return f"{len(hits)} hits in a sentence"
    hit = hits[0]
    if (hit.start, hit.raw, hit.value) != (18, value, address.value):
        return f"hit {hit.start} {hit.raw!r} {hit.value!r}"
    for glued in (f"x{value}", f"{value}7"):
        if _crypto_hits(f"to {glued} now"):
            return f"found inside {glued!r}"
    return None


def _not_found(value: str, wrong: Callable[[CryptoAddress], bool]) -> str | None:
    parsed = parse_crypto_address(value)
    if parsed is not None and wrong(parsed):
        return f"parsed as {parsed}"
    for hit in _crypto_hits(f"Please send it to {value}, thanks."):
        again = parse_crypto_address(hit.value)
        if again is not None and wrong(again):
            return f"extracted {hit.value!r}"
    return None


def _chain_of(network: str) -> str:
    for prefix in (
        "bitcoin-cash",
        "bitcoin",
        "litecoin",
        "dogecoin",
        "dash",
        "zcash",
        "tron",
        "monero",
    ):
        if network.startswith(prefix):
            return prefix
    raise AssertionError(f"unmapped network {network}")


def _expected_network(network: str, is_segwit: bool) -> str:
    suffix = network.split("-", 1)[1] if "-" in network else network
    if network.startswith("bitcoin-cash"):
        suffix = network.removeprefix("bitcoin-cash-")
    if suffix in ("mainnet", "testnet", "regtest"):
        return "testnet" if suffix == "regtest" and not is_segwit else suffix
    return "testnet"  # testnet4, signet, testnet/signet share their encodings


def _script_pubkey(value: str) -> str:
    """The scriptPubKey an address stands for, from our own decoders."""
    segwit = segwit_decode(value)
    if segwit is not None:
        op = 0 if segwit.version == 0 else 0x50 + segwit.version
        return bytes([op, len(segwit.program)]).hex() + segwit.program.hex()
    payload = b58check_decode(value)
    assert payload is not None
    address = parse_crypto_address(value)
    assert address is not None
    if address.address_type == "p2pkh":
        return "76a914" + payload[-20:].hex() + "88ac"
    return "a914" + payload[-20:].hex() + "87"


class Tally:
    def __init__(self, family: str) -> None:
        self.family = family
        self.passed = 0
        self.failures: list[str] = []

    def check(self, record: Record, problem: str | None) -> None:
        if problem is None:
            self.passed += 1
        else:
            self.failures.append(f"{record['value']!r}: {problem}")

    def done(self) -> None:
        total = self.passed + len(self.failures)
        print(f"\nVECTORS {self.family}: {self.passed}/{total} passed")
        assert not self.failures, "\n".join(self.failures[:20])
        assert total > 0


def _check_bitcoin_like(record: Record) -> str | None:
    """key_io, base58 legacy and BIP segwit address records."""
    value, kind = record["value"], record["type"]
    valid = record.get("valid_under_bip350", record["valid"])
    if kind.startswith("wif_"):
        return _not_found(value, lambda a: True)  # a private key is no address
    if not valid:
        return _not_found(value, lambda a: a.chain == "bitcoin")
    address = parse_crypto_address(value)
    if address is None:
        return "did not parse"
    is_segwit = value.lower().startswith(("bc1", "tb1", "bcrt1"))
    expected = ("bitcoin", _expected_network(record["network"], is_segwit))
    if (address.chain, address.network) != expected:
        return f"parsed as {address.chain} {address.network}, expected {expected}"
    if "script_pubkey_hex" in record and _script_pubkey(value) != record["script_pubkey_hex"]:
        return "wrong scriptPubKey"
    if "hash160_hex" in record and b58check_decode(value)[-20:].hex() != record["hash160_hex"]:  # type: ignore[index]
        return "wrong hash160"
    problem = _found_alone(value, address)
    if problem is None and record.get("case_insensitive"):
        upper = parse_crypto_address(value.upper())
        if upper != address:
            return "upper-case form differs"
    return problem


@pytest.mark.parametrize("name", ["bip173_bech32.json", "bip350_bech32m.json"])
def test_bip_bech32_vectors(shared_data: Path, name: str) -> None:
    tally = Tally(name)
    encoding = Encoding.BECH32 if "173" in name else Encoding.BECH32M
    for record in _load(shared_data, name):
        if record["type"].endswith("_string"):
            decoded = bech32_decode(record["value"])
            ok = decoded is not None and decoded.encoding is encoding
            tally.check(record, None if ok == record["valid"] else f"decoded {decoded}")
        else:
            tally.check(record, _check_bitcoin_like(record))
    tally.done()


@pytest.mark.parametrize("name", ["bitcoin_core_key_io.json", "bitcoin_core_base58_legacy.json"])
def test_bitcoin_core_vectors(shared_data: Path, name: str) -> None:
    tally = Tally(name)
    for record in _load(shared_data, name):
        tally.check(record, _check_bitcoin_like(record))
    tally.done()


def test_bitcoinjs_vectors(shared_data: Path) -> None:
    tally = Tally("bitcoinjs_address.json")
    for record in _load(shared_data, "bitcoinjs_address.json"):
        value, network = record["value"], record["network"]
        if network.startswith("custom:"):
            hrp = json.loads(network.removeprefix("custom:"))["bech32"]

            def on_hrp(a: CryptoAddress, h: str = hrp) -> bool:
                return a.value.startswith(h + "1")

            tally.check(record, _not_found(value, on_hrp))
        elif not record["valid"]:
            chain = _chain_of(network)
            net = _expected_network(network, True)

            # bitcoinjs rejects a taproot key off the curve; Core accepts the
            # address; we keep it with a warning that it is unspendable
            def on_network(a: CryptoAddress, c: str = chain, n: str = net) -> bool:
                return (a.chain, a.network) == (c, n) and not a.warning

            tally.check(record, _not_found(value, on_network))
        else:
            address = parse_crypto_address(value)
            if address is None:
                tally.check(record, "did not parse")
                continue
            is_segwit = record["type"].startswith("segwit")
            expected = (_chain_of(network), _expected_network(network, is_segwit))
            problem = None
            if (address.chain, address.network) != expected:
                problem = f"parsed as {address.chain} {address.network}"
            elif is_segwit and segwit_decode(value).program.hex() != record["program_hex"]:  # type: ignore[union-attr]
                problem = "wrong program"
            elif not is_segwit and b58check_decode(value)[-20:].hex() != record["hash160_hex"]:  # type: ignore[index]
                problem = "wrong hash160"
            tally.check(record, problem or _found_alone(value, address))
    tally.done()


def test_ethereum_eip55_vectors(shared_data: Path) -> None:
    tally = Tally("ethereum_eip55.json")
    for record in _load(shared_data, "ethereum_eip55.json"):
        value = record["value"]
        if not record["valid"]:
            tally.check(record, _not_found(value, lambda a: a.chain == "ethereum"))
            continue
        address = parse_crypto_address(value)
        problem = None
        if address is None or address.chain != "ethereum" or address.value != value:
            problem = f"parsed as {address}"
        else:
            lower = parse_crypto_address("0x" + value[2:].lower())
            upper = parse_crypto_address("0x" + value[2:].upper())
            if lower is None or upper is None or lower.checksummed or lower.value != value:
                problem = "un-checksummed forms not accepted or not normalised"
            else:
                problem = _found_alone(value, address)
        tally.check(record, problem)
    tally.done()


def test_tron_vectors(shared_data: Path) -> None:
    tally = Tally("tron.json")
    for record in _load(shared_data, "tron.json"):
        value = record["value"]
        if not record["valid"]:
            tally.check(record, _not_found(value, lambda a: a.chain == "tron"))
            continue
        address = parse_crypto_address(value)
        if address is None or address.chain != "tron":
            tally.check(record, f"parsed as {address}")
        elif b58check_decode(value).hex() != record["payload_hex"]:  # type: ignore[union-attr]
            tally.check(record, "wrong payload")
        else:
            tally.check(record, _found_alone(value, address))
    tally.done()


def test_monero_vectors(shared_data: Path) -> None:
    tally = Tally("monero.json")
    for record in _load(shared_data, "monero.json"):
        value = record["value"]
        if not record["valid"]:
            tally.check(record, _not_found(value, lambda a: a.chain == "monero"))
            continue
        address = parse_crypto_address(value)
        kind = record["type"].removeprefix("monero_")
        if address is None or (address.chain, address.network, address.address_type) != (
            "monero",
            "mainnet",
            kind,
        ):
            tally.check(record, f"parsed as {address}")
            continue
        raw = monero_b58decode(value)
        assert raw is not None
        keys_ok = (
            raw[1:33].hex() == record["public_spend_key_hex"]
            and raw[33:65].hex() == record["public_view_key_hex"]
            and (kind != "integrated" or raw[65:73].hex() == record["payment_id_hex"])
        )
        tally.check(record, _found_alone(value, address) if keys_ok else "wrong keys")
    tally.done()


def test_cashaddr_vectors(shared_data: Path) -> None:
    tally = Tally("bitcoin_cash_cashaddr.json")
    for record in _load(shared_data, "bitcoin_cash_cashaddr.json"):
        value = record["value"]
        if not record["valid"]:
            tally.check(record, _not_found(value, lambda a: a.chain == "bitcoin-cash"))
            continue
        address = parse_crypto_address(value)
        expected = (
            "bitcoin-cash",
            record["network"].removeprefix("bitcoin-cash-"),
            record["type"].removeprefix("cashaddr_"),
        )
        if address is None or (address.chain, address.network, address.address_type) != expected:
            tally.check(record, f"parsed as {address}")
        elif address.legacy_value != record.get("legacy_base58_equivalent", address.legacy_value):
            tally.check(record, f"legacy form {address.legacy_value}")
        elif "hash160_hex" in record and (
            b58check_decode(address.legacy_value)[-20:].hex() != record["hash160_hex"]  # type: ignore[index]
        ):
            tally.check(record, "wrong hash160")
        elif address.value != (value if ":" in value else "bitcoincash:" + value).lower():
            tally.check(record, f"normalised to {address.value}")
        else:
            tally.check(record, _found_alone(value, address))
    tally.done()


@pytest.mark.parametrize(
    "name",
    [
        "base58_multicoin.json",
        "litecoin.json",
        "real_addresses_btc.json",
        "real_addresses_bch.json",
        "real_addresses_ltc.json",
        "real_addresses_zec.json",
    ],
)
def test_multicoin_vectors(shared_data: Path, name: str) -> None:
    tally = Tally(name)
    for record in _load(shared_data, name):
        value, chain = record["value"], _chain_of(record["network"])

        def on_chain(a: CryptoAddress, c: str = chain) -> bool:
            return a.chain == c or c in a.also_valid_on

        if not record["valid"]:
            tally.check(record, _not_found(value, on_chain))
            continue
        address = parse_crypto_address(value)
        if address is None or not on_chain(address):
            tally.check(record, f"parsed as {address}")
            continue
        is_segwit = "segwit" in record["type"]
        network = _expected_network(record["network"], is_segwit)
        if address.chain == chain and address.network != network:
            tally.check(record, f"network {address.network}, expected {network}")
            continue
        version = record.get("version_bytes_hex") or record.get("version_byte")
        if version and not is_segwit:
            payload = b58check_decode(value)
            assert payload is not None
            if isinstance(version, int):
                version = f"{version:02x}"
            if not payload.hex().startswith(version.lower()):
                tally.check(record, "wrong version bytes")
                continue
        if "hash160_hex" in record and not is_segwit:
            if b58check_decode(value)[-20:].hex() != record["hash160_hex"]:  # type: ignore[index]
                tally.check(record, "wrong hash160")
                continue
        tally.check(record, _found_alone(value, address))
    tally.done()
