"""Esplora REST transactions (`GET /tx/:txid`, self-hosted electrs/mempool):
inputs carry `prevout`, so address and value of every input are known.

Exports without `txid` (mempool dumps) get it computed from the fields; a
given txid that disagrees with the computed one is a warning and the
transaction is dropped, never stored under a wrong id.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from vigil.crypto._txid import compute_txid
from vigil.crypto._values import load_json_bytes, normalize_address
from vigil.crypto.model import (
    BlockHeader,
    ChainRecord,
    ChainWarning,
    TxInput,
    TxOutput,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.http import NodeError, Transport, UrllibTransport
from vigil.domain.model import JsonValue

__all__ = ["EsploraClient", "EsploraFileSource", "EsploraRestSource", "parse_esplora_transaction"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
SCRIPT_TYPES = {
    "p2pk": "pubkey",
    "p2pkh": "pubkeyhash",
    "p2sh": "scripthash",
    "v0_p2wpkh": "witness_v0_keyhash",
    "v0_p2wsh": "witness_v0_scripthash",
    "v1_p2tr": "witness_v1_taproot",
    "op_return": "nulldata",
    "multisig": "multisig",
    "unknown": "nonstandard",
    "provably_unspendable": "nonstandard",
    "empty": "nonstandard",
    "fee": "fee",
}
"""Esplora script type names -> Bitcoin Core names, so every adapter agrees."""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _warn(code: WarningCode, message: str, source: str, txid: str = "") -> ChainWarning:
    return ChainWarning(code, message, source=source, txid=txid)


def parse_esplora_transaction(
    raw: JsonValue, *, chain: str = "bitcoin", source: str = "esplora"
) -> tuple[UtxoTransaction | None, list[ChainWarning]]:
    """One Esplora transaction object; (None, warnings) when unusable."""
    warnings: list[ChainWarning] = []
    if not isinstance(raw, Mapping):
        return None, [_warn(WarningCode.MALFORMED, "transaction is not an object", source)]
    vin, vout = raw.get("vin"), raw.get("vout")
    version, locktime = _int(raw.get("version")), _int(raw.get("locktime"))
    if (
        not isinstance(vin, list)
        or not isinstance(vout, list)
        or version is None
        or locktime is None
    ):
        return None, [
            _warn(WarningCode.MALFORMED, "transaction lacks version/locktime/vin/vout", source)
        ]
    if not all(isinstance(v, Mapping) for v in vin) or not all(
        isinstance(v, Mapping) for v in vout
    ):
        return None, [_warn(WarningCode.MALFORMED, "vin/vout entries are not objects", source)]
    given = raw.get("txid")
    computed = compute_txid(version, locktime, vin, vout)
    if isinstance(given, str) and _HEX64.fullmatch(given):
        if computed is not None and computed != given:
            return None, [
                _warn(
                    WarningCode.TXID_MISMATCH,
                    f"txid {given} does not match the transaction's fields ({computed}): dropped",
                    source,
                    given,
                )
            ]
        txid = given
    elif computed is not None:
        txid = computed
    else:
        return None, [_warn(WarningCode.MALFORMED, "no txid and it cannot be computed", source)]

    inputs: list[TxInput] = []
    for position, entry in enumerate(vin):
        assert isinstance(entry, Mapping)
        if entry.get("is_coinbase") is True:
            inputs.append(TxInput(position, None, None))
            continue
        prev_txid, prev_vout = entry.get("txid"), _int(entry.get("vout"))
        if not isinstance(prev_txid, str) or not _HEX64.fullmatch(prev_txid) or prev_vout is None:
            return None, [
                _warn(
                    WarningCode.MALFORMED, f"input {position} has no valid outpoint", source, txid
                )
            ]
        prevout = entry.get("prevout")
        value = address = script_type = None
        if isinstance(prevout, Mapping):
            value = _int(prevout.get("value"))
            addr = prevout.get("scriptpubkey_address")
            address = normalize_address(addr) if isinstance(addr, str) else None
            kind = prevout.get("scriptpubkey_type")
            script_type = SCRIPT_TYPES.get(str(kind), str(kind)) if kind is not None else None
        else:
            warnings.append(
                _warn(
                    WarningCode.UNRESOLVED_INPUT, f"input {position} has no prevout", source, txid
                )
            )
        inputs.append(TxInput(position, prev_txid, prev_vout, value, address, script_type))

    outputs: list[TxOutput] = []
    for index, entry in enumerate(vout):
        assert isinstance(entry, Mapping)
        value = _int(entry.get("value"))
        if value is None or value < 0:
            warnings.append(
                _warn(WarningCode.MALFORMED, f"output {index} has no valid value", source, txid)
            )
            value = None
        addr = entry.get("scriptpubkey_address")
        kind = str(entry.get("scriptpubkey_type") or "")
        script_type = SCRIPT_TYPES.get(kind, kind)
        address = normalize_address(addr) if isinstance(addr, str) else None
        if address is None and script_type not in ("nulldata", "fee"):
            warnings.append(
                _warn(
                    WarningCode.UNKNOWN_SCRIPT,
                    f"output {index} has script type {kind or '?'} and no address: "
                    "its value is kept but attributed to no address",
                    source,
                    txid,
                )
            )
        outputs.append(TxOutput(index, value, address, script_type, (address,) if address else ()))

    status = raw.get("status")
    block_hash = height = timestamp = None
    if isinstance(status, Mapping) and status.get("confirmed") is True:
        bh = status.get("block_hash")
        block_hash = bh if isinstance(bh, str) else None
        height = _int(status.get("block_height"))
        timestamp = _int(status.get("block_time"))
    tx = UtxoTransaction(
        chain=chain,
        txid=txid,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        block_hash=block_hash,
        height=height,
        timestamp=timestamp,
        source=source,
    )
    return tx, warnings


def _parse_many(items: Iterable[JsonValue], chain: str, source: str) -> Iterator[ChainRecord]:
    for raw in items:
        tx, warnings = parse_esplora_transaction(raw, chain=chain, source=source)
        yield from warnings
        if tx is not None:
            yield tx


class EsploraFileSource:
    """Esplora transaction JSON files: a folder of `*.json` (one transaction or a
    list each) or one `.json`/`.jsonl` file."""

    def __init__(self, path: Path, *, chain: str = "bitcoin"):
        self.path = Path(path)
        self.chain = chain
        self.name = f"esplora-files:{self.path.name}"

    def records(self) -> Iterator[ChainRecord]:
        if self.path.is_dir():
            files = sorted(self.path.glob("*.json"))
        elif self.path.is_file():
            files = [self.path]
        else:
            raise NodeError(f"no such file or folder: {self.path}")
        for file in files:
            source = f"{self.name}/{file.name}" if self.path.is_dir() else self.name
            try:
                data = file.read_bytes()
                if file.suffix == ".jsonl":
                    items: list[JsonValue] = [
                        load_json_bytes(line) for line in data.splitlines() if line.strip()
                    ]
                else:
                    parsed = load_json_bytes(data)
                    items = list(parsed) if isinstance(parsed, list) else [parsed]
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                yield _warn(
                    WarningCode.MALFORMED,
                    f"{file.name}: not JSON ({exc.__class__.__name__})",
                    source,
                )
                continue
            yield from _parse_many(items, self.chain, source)


class EsploraClient:
    """The few Esplora REST calls tracing needs."""

    def __init__(self, base_url: str, *, transport: Transport | None = None):
        self.base_url = base_url.rstrip("/")
        self._transport = transport or UrllibTransport()

    def _get(self, path: str) -> bytes:
        url = f"{self.base_url}/{path.lstrip('/')}"
        response = self._transport("GET", url, None, {"Accept": "application/json"})
        if response.status != 200:
            raise NodeError(f"GET {url}: HTTP {response.status}")
        return response.body

    def _get_json(self, path: str) -> JsonValue:
        body = self._get(path)
        try:
            return load_json_bytes(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise NodeError(f"GET {path}: reply is not JSON") from exc

    def tip_height(self) -> int:
        body = self._get("blocks/tip/height").strip()
        if not body.isdigit():
            raise NodeError("blocks/tip/height: not a number")
        return int(body)

    def block_hash(self, height: int) -> str:
        text = self._get(f"block-height/{int(height)}").decode("ascii", "replace").strip()
        if not _HEX64.fullmatch(text):
            raise NodeError(f"block-height/{height}: not a block hash")
        return text

    def block(self, block_hash: str) -> JsonValue:
        return self._get_json(f"block/{urllib.parse.quote(block_hash)}")

    def block_txs(self, block_hash: str, start: int = 0) -> JsonValue:
        return self._get_json(f"block/{urllib.parse.quote(block_hash)}/txs/{int(start)}")

    def tx(self, txid: str) -> JsonValue:
        return self._get_json(f"tx/{urllib.parse.quote(txid)}")

    def address_txs(self, address: str, last_seen_txid: str | None = None) -> JsonValue:
        path = f"address/{urllib.parse.quote(address)}/txs"
        if last_seen_txid:
            path += f"/chain/{urllib.parse.quote(last_seen_txid)}"
        return self._get_json(path)


class EsploraRestSource:
    """Transactions from an Esplora server: given txids, every transaction of
    given addresses (paged), and/or every transaction of blocks start..stop."""

    def __init__(
        self,
        client: EsploraClient,
        *,
        txids: Iterable[str] = (),
        addresses: Iterable[str] = (),
        heights: range | None = None,
        chain: str = "bitcoin",
        max_pages: int = 100,
    ):
        self.client = client
        self.txids = list(txids)
        self.addresses = list(addresses)
        self.heights = heights
        self.chain = chain
        self.max_pages = max_pages
        self.name = f"esplora-rest:{client.base_url}"

    def _safe(self, what: str, call: object) -> JsonValue | ChainWarning:
        try:
            assert callable(call)
            result: JsonValue = call()
            return result
        except NodeError as exc:
            return _warn(WarningCode.RPC_ERROR, f"{what}: {exc}", self.name)

    def records(self) -> Iterator[ChainRecord]:
        for txid in self.txids:
            reply = self._safe(f"tx {txid}", lambda t=txid: self.client.tx(t))
            if isinstance(reply, ChainWarning):
                yield reply
            else:
                yield from _parse_many([reply], self.chain, self.name)
        for address in self.addresses:
            last: str | None = None
            for _ in range(self.max_pages):
                page = self._safe(
                    f"address {address}",
                    lambda a=address, last=last: self.client.address_txs(a, last),
                )
                if isinstance(page, ChainWarning):
                    yield page
                    break
                if not isinstance(page, list):
                    yield _warn(
                        WarningCode.MALFORMED, f"address {address}: reply is not a list", self.name
                    )
                    break
                yield from _parse_many(page, self.chain, self.name)
                confirmed = [
                    t for t in page if isinstance(t, Mapping) and isinstance(t.get("txid"), str)
                ]
                if len(page) < 25 or not confirmed:
                    break
                last_txid = confirmed[-1].get("txid")
                last = last_txid if isinstance(last_txid, str) else None
        for height in self.heights or ():
            try:
                block_hash = self.client.block_hash(height)
                block = self.client.block(block_hash)
            except NodeError as exc:
                yield _warn(WarningCode.RPC_ERROR, f"block {height}: {exc}", self.name)
                continue
            if not isinstance(block, Mapping) or block.get("id") != block_hash:
                yield _warn(
                    WarningCode.REORG, f"block {height}: hash changed between calls", self.name
                )
                continue
            tx_count = _int(block.get("tx_count")) or 0
            parent = block.get("previousblockhash")
            stamp = _int(block.get("timestamp"))
            yield BlockHeader(
                self.chain, height, block_hash, parent if isinstance(parent, str) else None, stamp
            )
            for start in range(0, tx_count, 25):
                page = self._safe(
                    f"block {height} txs {start}",
                    lambda s=start, h=block_hash: self.client.block_txs(h, s),
                )
                if isinstance(page, ChainWarning) or not isinstance(page, list):
                    yield (
                        page
                        if isinstance(page, ChainWarning)
                        else _warn(
                            WarningCode.MALFORMED,
                            f"block {height} txs {start}: not a list",
                            self.name,
                        )
                    )
                    continue
                yield from _parse_many(page, self.chain, self.name)


def dumps_for_tests(obj: JsonValue) -> bytes:
    """JSON bytes the way an Esplora server sends them (used by stub servers)."""
    return json.dumps(obj).encode()
