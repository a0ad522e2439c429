"""File exports of blockchain-etl: bitcoin-etl (`transactions` JSON Lines
with resolved inputs) and ethereum-etl (`transactions`, `token_transfers`,
`logs`, `traces`, `blocks` as CSV or JSON Lines).

The record kind comes from each line's `type` field (stream exports) or,
failing that, from the file name (`..._transactions.csv`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from vigil.crypto._values import hex_quantity, load_json_bytes, normalize_address
from vigil.crypto.model import (
    BlockHeader,
    ChainRecord,
    ChainWarning,
    Transfer,
    TransferKind,
    TxInput,
    TxOutput,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.ethereum import decode_erc20_transfer
from vigil.crypto.sources.http import NodeError
from vigil.domain.model import JsonValue

__all__ = ["BitcoinEtlSource", "EthereumEtlSource", "parse_bitcoin_etl_transaction"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KINDS = ("token_transfers", "transactions", "traces", "logs", "blocks", "receipts")
_NO_VALUE_CALLS = {"delegatecall", "callcode", "staticcall"}
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024


def _warn(code: WarningCode, message: str, source: str, txid: str = "") -> ChainWarning:
    return ChainWarning(code, message, source=source, txid=txid)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _rows(path: Path, source: str) -> Iterator[Mapping[str, JsonValue] | ChainWarning]:
    """Rows of a CSV, JSON Lines or JSON-array file, one at a time."""
    if path.stat().st_size > MAX_FILE_BYTES:
        yield _warn(WarningCode.MALFORMED, f"{path.name} is larger than the limit", source)
        return
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            for row in csv.DictReader(handle):
                yield {k: v for k, v in row.items() if k is not None}
        return
    with path.open("rb") as handle:
        head = handle.read(1)
        while head.isspace():
            head = handle.read(1)
        if head == b"[":
            handle.seek(0)
            try:
                data = load_json_bytes(handle.read())
            except (ValueError, UnicodeDecodeError):
                yield _warn(WarningCode.MALFORMED, f"{path.name}: not JSON", source)
                return
            for item in data if isinstance(data, list) else []:
                yield (
                    item
                    if isinstance(item, Mapping)
                    else _warn(WarningCode.MALFORMED, "row is not an object", source)
                )
            return
    with path.open(encoding="utf-8", errors="replace") as text:
        for number, line in enumerate(text, 1):
            if not line.strip():
                continue
            try:
                item = load_json_bytes(line)
            except ValueError:
                yield _warn(WarningCode.MALFORMED, f"{path.name} line {number}: not JSON", source)
                continue
            yield (
                item
                if isinstance(item, Mapping)
                else _warn(
                    WarningCode.MALFORMED, f"{path.name} line {number}: not an object", source
                )
            )


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        # export files are named after what they hold; saved RPC replies beside them are not exports
        return sorted(
            p
            for p in path.iterdir()
            if p.suffix in (".csv", ".json", ".jsonl")
            and any(kind in p.stem for kind in _KINDS)
            and not p.name.startswith(("web3_response", "rpc_response"))
        )
    if path.is_file():
        return [path]
    raise NodeError(f"no such file or folder: {path}")


def _kind_of(row: Mapping[str, JsonValue], file: Path) -> str | None:
    declared = row.get("type")
    if isinstance(declared, str) and declared in (
        "transaction",
        "token_transfer",
        "trace",
        "log",
        "block",
    ):
        return declared + "s"
    for kind in _KINDS:
        if kind in file.stem:
            return kind
    return None


def _addresses(raw: object) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(normalize_address(a) for a in raw if isinstance(a, str))
    return ()


def _one_address(addresses: tuple[str, ...], script_type: str) -> str | None:
    if not addresses:
        return None
    if len(addresses) > 1 or script_type == "multisig":
        return "multisig:" + "|".join(sorted(addresses))
    address = addresses[0]
    # bitcoin-etl writes placeholders such as 'nonstandard<hash>' for scripts without an address
    return None if address.startswith("nonstandard") else address


def parse_bitcoin_etl_transaction(
    row: Mapping[str, JsonValue], *, chain: str = "bitcoin", source: str = ""
) -> tuple[UtxoTransaction | None, list[ChainWarning]]:
    """One bitcoin-etl transaction row (values in satoshi, inputs resolved)."""
    txid = row.get("hash")
    if not isinstance(txid, str) or not _HEX64.fullmatch(txid):
        return None, [_warn(WarningCode.MALFORMED, "row has no valid hash", source)]
    raw_inputs, raw_outputs = row.get("inputs"), row.get("outputs")
    if not isinstance(raw_inputs, list) or not isinstance(raw_outputs, list):
        return None, [_warn(WarningCode.MALFORMED, "row has no inputs/outputs lists", source, txid)]
    warnings: list[ChainWarning] = []
    inputs: list[TxInput] = []
    if row.get("is_coinbase") is True:
        inputs.append(TxInput(0, None, None))
    for position, raw in enumerate(raw_inputs):
        if not isinstance(raw, Mapping):
            return None, [
                _warn(WarningCode.MALFORMED, f"input {position} is not an object", source, txid)
            ]
        prev, vout = raw.get("spent_transaction_hash"), _int(raw.get("spent_output_index"))
        if raw.get("type") == "shielded" and prev is None:
            warnings.append(
                _warn(
                    WarningCode.SHIELDED,
                    f"input {position} comes from a shielded pool",
                    source,
                    txid,
                )
            )
            inputs.append(TxInput(position, None, None, _int(raw.get("value")), None, "shielded"))
            continue
        if not isinstance(prev, str) or not _HEX64.fullmatch(prev) or vout is None:
            return None, [
                _warn(
                    WarningCode.MALFORMED, f"input {position} has no valid outpoint", source, txid
                )
            ]
        script_type = str(raw.get("type") or "")
        addresses = _addresses(raw.get("addresses"))
        value = _int(raw.get("value"))
        if value is None:
            warnings.append(
                _warn(WarningCode.UNRESOLVED_INPUT, f"input {position} has no value", source, txid)
            )
        inputs.append(
            TxInput(
                _int(raw.get("index")) or position,
                prev,
                vout,
                value,
                _one_address(addresses, script_type),
                script_type or None,
            )
        )
    outputs: list[TxOutput] = []
    for position, raw in enumerate(raw_outputs):
        if not isinstance(raw, Mapping):
            warnings.append(
                _warn(WarningCode.MALFORMED, f"output {position} is not an object", source, txid)
            )
            continue
        script_type = str(raw.get("type") or "")
        addresses = _addresses(raw.get("addresses"))
        address = _one_address(addresses, script_type)
        index = _int(raw.get("index"))
        value = _int(raw.get("value"))
        if script_type == "shielded":
            warnings.append(
                _warn(
                    WarningCode.SHIELDED,
                    f"output {position} is shielded: not traceable",
                    source,
                    txid,
                )
            )
        elif address is None and script_type != "nulldata":
            warnings.append(
                _warn(
                    WarningCode.UNKNOWN_SCRIPT,
                    f"output {position} ({script_type or '?'}) has no address",
                    source,
                    txid,
                )
            )
        outputs.append(
            TxOutput(position if index is None else index, value, address, script_type, addresses)
        )
    shielded = any(i.is_shielded for i in inputs) or any(
        o.script_type == "shielded" for o in outputs
    )
    if not shielded and (row.get("join_splits") or _int(row.get("value_balance"))):
        shielded = True
        warnings.append(
            _warn(
                WarningCode.SHIELDED,
                "shielded value moves here; that part is not traceable",
                source,
                txid,
            )
        )
    block_hash = row.get("block_hash")
    return (
        UtxoTransaction(
            chain=chain,
            txid=txid,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            block_hash=block_hash if isinstance(block_hash, str) else None,
            height=_int(row.get("block_number")),
            timestamp=_int(row.get("block_timestamp")),
            position=_int(row.get("index")),
            shielded=shielded,
            source=source,
        ),
        warnings,
    )


class BitcoinEtlSource:
    """bitcoin-etl `export_blocks_and_transactions` output (JSON Lines)."""

    def __init__(self, path: Path, *, chain: str = "bitcoin"):
        self.path = Path(path)
        self.chain = chain
        self.name = f"bitcoin-etl:{self.path.name}"

    def records(self) -> Iterator[ChainRecord]:
        for file in _files(self.path):
            source = f"{self.name}/{file.name}" if self.path.is_dir() else self.name
            for row in _rows(file, source):
                if isinstance(row, ChainWarning):
                    yield row
                    continue
                kind = _kind_of(row, file)
                if kind == "blocks":
                    number, block_hash = _int(row.get("number")), row.get("hash")
                    if number is not None and isinstance(block_hash, str):
                        yield BlockHeader(
                            self.chain, number, block_hash, None, _int(row.get("timestamp"))
                        )
                elif kind == "transactions":
                    tx, warnings = parse_bitcoin_etl_transaction(
                        row, chain=self.chain, source=source
                    )
                    yield from warnings
                    if tx is not None:
                        yield tx


class EthereumEtlSource:
    """ethereum-etl exports: native transfers from `transactions`, ERC-20 from
    `token_transfers` (or decoded from `logs`), internal value from `traces`."""

    def __init__(self, path: Path, *, chain: str = "ethereum"):
        self.path = Path(path)
        self.chain = chain
        self.name = f"ethereum-etl:{self.path.name}"

    def records(self) -> Iterator[ChainRecord]:
        for file in _files(self.path):
            source = f"{self.name}/{file.name}" if self.path.is_dir() else self.name
            for row in _rows(file, source):
                if isinstance(row, ChainWarning):
                    yield row
                    continue
                yield from self._row(row, _kind_of(row, file), source)

    def _row(
        self, row: Mapping[str, JsonValue], kind: str | None, source: str
    ) -> Iterator[ChainRecord]:
        txid = str(
            row.get("hash") if kind == "transactions" else row.get("transaction_hash") or ""
        ).lower()
        block = _int(row.get("block_number"))
        stamp = _int(row.get("block_timestamp"))
        if kind == "blocks":
            number, block_hash = _int(row.get("number")), row.get("hash")
            parent = row.get("parent_hash")
            if number is not None and isinstance(block_hash, str):
                yield BlockHeader(
                    self.chain,
                    number,
                    block_hash,
                    parent if isinstance(parent, str) else None,
                    stamp,
                )
            return
        if kind == "logs":
            transfer = decode_erc20_transfer(row, chain=self.chain, source=source, timestamp=stamp)
            if transfer is not None:
                yield transfer
            return
        if kind not in ("transactions", "token_transfers", "traces"):
            return
        sender = normalize_address(str(row.get("from_address") or ""))
        receiver = normalize_address(str(row.get("to_address") or ""))
        value = hex_quantity(row.get("value")) if row.get("value") not in (None, "") else 0
        if value is None:
            yield _warn(
                WarningCode.MALFORMED,
                f"{kind} row value {row.get('value')!r} is not an integer",
                source,
                txid,
            )
            return
        if not _HEX64.fullmatch(txid.removeprefix("0x")):
            if kind != "traces" or str(row.get("trace_type")) != "reward":
                yield _warn(WarningCode.MALFORMED, f"{kind} row has no transaction hash", source)
            return
        if kind == "transactions":
            status = _int(row.get("receipt_status"))
            if value == 0:
                return
            if status == 0:
                yield _warn(
                    WarningCode.FAILED_TX,
                    "transaction reverted: its value did not move",
                    source,
                    txid,
                )
                return
            if not receiver:
                receiver = normalize_address(str(row.get("receipt_contract_address") or ""))
            if sender and receiver:
                yield Transfer(
                    self.chain,
                    txid,
                    TransferKind.NATIVE,
                    "ETH",
                    sender,
                    receiver,
                    value,
                    block,
                    stamp,
                    "tx",
                    source,
                )
            return
        if kind == "token_transfers":
            token = normalize_address(str(row.get("token_address") or ""))
            index = _int(row.get("log_index"))
            if not (token and sender and receiver) or index is None:
                yield _warn(
                    WarningCode.MALFORMED,
                    "token transfer row lacks token/from/to/log_index",
                    source,
                    txid,
                )
                return
            yield Transfer(
                self.chain,
                txid,
                TransferKind.ERC20,
                token,
                sender,
                receiver,
                value,
                block,
                stamp,
                f"log:{index}",
                source,
            )
            return
        # traces
        if value == 0 or str(row.get("call_type") or "") in _NO_VALUE_CALLS:
            return
        if str(row.get("status")) == "0" or row.get("error"):
            yield _warn(
                WarningCode.FAILED_TX,
                f"trace failed ({row.get('error') or 'status 0'}): its value did not move",
                source,
                txid,
            )
            return
        path = str(row.get("trace_address") or "")
        if not (sender and receiver):
            yield _warn(WarningCode.MALFORMED, "trace row with value lacks from/to", source, txid)
            return
        if path:
            position, kind_enum = "trace:" + path.replace(",", "_"), TransferKind.INTERNAL
        else:
            position, kind_enum = "tx", TransferKind.NATIVE
        yield Transfer(
            self.chain,
            txid,
            kind_enum,
            "ETH",
            sender,
            receiver,
            value,
            block,
            stamp,
            position,
            source,
        )
