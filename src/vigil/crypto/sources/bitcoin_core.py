"""Bitcoin Core JSON-RPC replies: `getblock <hash> 2` (and verbosity 1 plus
`getrawtransaction <txid> true`), from a live node or from saved reply files.

The same parser serves Bitcoin Cash, Litecoin, Dogecoin and Zcash nodes
(forks of Core): the Zcash shielded fields are flagged, not traced.
Older nodes list `addresses`, newer ones a single `address`; verbosity 3
adds `prevout` to inputs, which is used when present. Otherwise inputs are
resolved from the spent transaction (`getrawtransaction`), from transactions
already read in the same import, or later by the store.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from vigil.crypto._values import coin_to_base_units, load_json_bytes, normalize_address
from vigil.crypto.model import (
    BlockHeader,
    ChainRecord,
    ChainWarning,
    TxInput,
    TxOutput,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.http import JsonRpcClient, NodeError, is_rpc_envelope
from vigil.domain.model import JsonValue

__all__ = [
    "BitcoinCoreFileSource",
    "BitcoinCoreRpcSource",
    "parse_core_block",
    "parse_core_transaction",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NO_ADDRESS_TYPES = {"nulldata"}
_KNOWN_TYPES = {
    "pubkey",
    "pubkeyhash",
    "scripthash",
    "multisig",
    "nulldata",
    "witness_v0_keyhash",
    "witness_v0_scripthash",
    "witness_v1_taproot",
    "witness_unknown",
    "anchor",
}

PrevoutLookup = Callable[[str], Mapping[str, JsonValue] | None]
"""txid -> the decoded transaction (a getrawtransaction verbose reply), or None."""


def _warn(
    code: WarningCode, message: str, source: str, txid: str = "", block: str = ""
) -> ChainWarning:
    return ChainWarning(code, message, source=source, txid=txid, block_hash=block)


def _script_address(spk: Mapping[str, JsonValue]) -> tuple[str | None, tuple[str, ...], str]:
    script_type = str(spk.get("type") or "")
    listed: list[str] = []
    single = spk.get("address")
    if isinstance(single, str):
        listed.append(single)
    many = spk.get("addresses")
    if isinstance(many, list):
        listed += [a for a in many if isinstance(a, str)]
    addresses = tuple(dict.fromkeys(normalize_address(a) for a in listed))
    if script_type in _NO_ADDRESS_TYPES or not addresses:
        if script_type == "pubkey" and isinstance(spk.get("hex"), str):
            return f"p2pk:{spk['hex']}", (), script_type
        return None, (), script_type
    if len(addresses) > 1 or script_type == "multisig":
        return "multisig:" + "|".join(sorted(addresses)), addresses, script_type
    return addresses[0], addresses, script_type


def _parse_vout(
    raw: JsonValue,
    position: int,
    txid: str,
    source: str,
    warnings: list[ChainWarning],
    decimals: int,
) -> TxOutput | None:
    if not isinstance(raw, Mapping):
        warnings.append(
            _warn(WarningCode.MALFORMED, f"output {position} is not an object", source, txid)
        )
        return None
    index = raw.get("n", position)
    if not isinstance(index, int) or isinstance(index, bool):
        warnings.append(
            _warn(WarningCode.MALFORMED, f"output {position} has no index", source, txid)
        )
        return None
    value, exact = coin_to_base_units(raw.get("value"), decimals)
    if value is None or value < 0:
        warnings.append(
            _warn(WarningCode.MALFORMED, f"output {index} has no valid value", source, txid)
        )
        value = None
    elif not exact:
        warnings.append(
            _warn(
                WarningCode.AMOUNT_PRECISION,
                f"output {index} value {raw.get('value')} is not a whole number of base units",
                source,
                txid,
            )
        )
    spk = raw.get("scriptPubKey")
    if not isinstance(spk, Mapping):
        warnings.append(
            _warn(WarningCode.MALFORMED, f"output {index} has no scriptPubKey", source, txid)
        )
        return TxOutput(index, value, None, "")
    address, addresses, script_type = _script_address(spk)
    if address is None and script_type not in _NO_ADDRESS_TYPES:
        warnings.append(
            _warn(
                WarningCode.UNKNOWN_SCRIPT,
                f"output {index} has script type {script_type or '?'} and no address: "
                "its value is kept but attributed to no address",
                source,
                txid,
            )
        )
    elif script_type and script_type not in _KNOWN_TYPES:
        warnings.append(
            _warn(
                WarningCode.UNKNOWN_SCRIPT,
                f"output {index} has unknown script type {script_type}",
                source,
                txid,
            )
        )
    return TxOutput(index, value, address, script_type, addresses)


def _parse_vin(
    raw: JsonValue,
    position: int,
    txid: str,
    source: str,
    warnings: list[ChainWarning],
    decimals: int,
) -> TxInput | None:
    if not isinstance(raw, Mapping):
        warnings.append(
            _warn(WarningCode.MALFORMED, f"input {position} is not an object", source, txid)
        )
        return None
    if "coinbase" in raw:
        return TxInput(position, None, None)
    prev_txid = raw.get("txid")
    prev_vout = raw.get("vout")
    if (
        not isinstance(prev_txid, str)
        or not _HEX64.fullmatch(prev_txid)
        or not isinstance(prev_vout, int)
        or isinstance(prev_vout, bool)
        or prev_vout < 0
    ):
        warnings.append(
            _warn(WarningCode.MALFORMED, f"input {position} has no valid outpoint", source, txid)
        )
        return None
    prevout = raw.get("prevout")
    if isinstance(prevout, Mapping):
        value, _ = coin_to_base_units(prevout.get("value"), decimals)
        spk = prevout.get("scriptPubKey")
        address, _, script_type = (
            _script_address(spk) if isinstance(spk, Mapping) else (None, (), "")
        )
        return TxInput(position, prev_txid, prev_vout, value, address, script_type or None)
    return TxInput(position, prev_txid, prev_vout)


def parse_core_transaction(
    raw: JsonValue,
    *,
    chain: str,
    source: str,
    block_hash: str | None = None,
    height: int | None = None,
    timestamp: int | None = None,
    position: int | None = None,
    decimals: int = 8,
) -> tuple[UtxoTransaction | None, list[ChainWarning]]:
    """One decoded transaction (getrawtransaction verbose, or an entry of
    getblock verbosity 2). Returns (None, warnings) when it is unusable."""
    warnings: list[ChainWarning] = []
    if not isinstance(raw, Mapping):
        return None, [
            _warn(
                WarningCode.MALFORMED,
                "transaction is not an object",
                source,
                block=block_hash or "",
            )
        ]
    txid = raw.get("txid")
    if not isinstance(txid, str) or not _HEX64.fullmatch(txid):
        return None, [
            _warn(
                WarningCode.MALFORMED,
                "transaction has no valid txid",
                source,
                block=block_hash or "",
            )
        ]
    vin, vout = raw.get("vin"), raw.get("vout")
    if not isinstance(vin, list) or not isinstance(vout, list):
        return None, [
            _warn(WarningCode.MALFORMED, "transaction has no vin/vout lists", source, txid)
        ]
    inputs = [_parse_vin(v, i, txid, source, warnings, decimals) for i, v in enumerate(vin)]
    outputs = [_parse_vout(v, i, txid, source, warnings, decimals) for i, v in enumerate(vout)]
    if any(i is None for i in inputs):
        # an input we cannot read would make every later merge of this tx a guess
        return None, [
            *warnings,
            _warn(
                WarningCode.MALFORMED, "transaction dropped: an input is unreadable", source, txid
            ),
        ]
    shielded = False
    balance = raw.get("valueBalance")
    if (
        raw.get("vjoinsplit")
        or raw.get("vShieldedSpend")
        or raw.get("vShieldedOutput")
        or (balance not in (None, 0) and coin_to_base_units(balance)[0] not in (None, 0))
    ):
        shielded = True
        warnings.append(
            _warn(
                WarningCode.SHIELDED,
                "value moves into or out of a shielded pool here; that part is not traceable",
                source,
                txid,
            )
        )
    tx = UtxoTransaction(
        chain=chain,
        txid=txid,
        inputs=tuple(i for i in inputs if i is not None),
        outputs=tuple(o for o in outputs if o is not None),
        block_hash=block_hash,
        height=height,
        timestamp=timestamp,
        position=position,
        shielded=shielded,
        source=source,
    )
    return tx, warnings


def _header(raw: Mapping[str, JsonValue], chain: str) -> BlockHeader | None:
    block_hash, height = raw.get("hash"), raw.get("height")
    if not isinstance(block_hash, str) or not _HEX64.fullmatch(block_hash):
        return None
    if not isinstance(height, int) or isinstance(height, bool) or height < 0:
        return None
    parent = raw.get("previousblockhash")
    timestamp = raw.get("time")
    return BlockHeader(
        chain,
        height,
        block_hash,
        parent if isinstance(parent, str) else None,
        timestamp if isinstance(timestamp, int) and not isinstance(timestamp, bool) else None,
    )


def parse_core_block(
    raw: JsonValue,
    *,
    chain: str,
    source: str,
    lookup_tx: PrevoutLookup | None = None,
    decimals: int = 8,
) -> Iterator[ChainRecord]:
    """A getblock reply (verbosity 1 or 2): the header, then its transactions.

    With verbosity 1 the transactions are only txids: each is fetched with
    `lookup_tx`; one that cannot be fetched is a warning."""
    if not isinstance(raw, Mapping):
        yield _warn(WarningCode.MALFORMED, "block reply is not an object", source)
        return
    header = _header(raw, chain)
    if header is None:
        yield _warn(WarningCode.MALFORMED, "block reply has no valid hash and height", source)
        return
    yield header
    txs = raw.get("tx")
    if not isinstance(txs, list):
        yield _warn(
            WarningCode.MALFORMED, "block reply has no tx list", source, block=header.block_hash
        )
        return
    for position, entry in enumerate(txs):
        if isinstance(entry, str):
            found = lookup_tx(entry) if lookup_tx is not None else None
            if found is None:
                yield _warn(
                    WarningCode.MALFORMED,
                    f"transaction {entry} listed by txid only and not available",
                    source,
                    entry,
                    header.block_hash,
                )
                continue
            entry = dict(found)
        tx, warnings = parse_core_transaction(
            entry,
            chain=chain,
            source=source,
            block_hash=header.block_hash,
            height=header.height,
            timestamp=header.timestamp,
            position=position,
            decimals=decimals,
        )
        yield from warnings
        if tx is not None:
            yield tx


class _PrevoutResolver:
    """Fills input address/value from the spent transaction, with a bounded cache."""

    def __init__(
        self, lookup: PrevoutLookup | None, chain: str, source: str, cache_size: int = 50_000
    ):
        self._lookup = lookup
        self._chain = chain
        self._source = source
        self._outputs: OrderedDict[str, tuple[TxOutput, ...]] = OrderedDict()
        self._cache_size = cache_size

    def remember(self, tx: UtxoTransaction) -> None:
        self._outputs[tx.txid] = tx.outputs
        self._outputs.move_to_end(tx.txid)
        while len(self._outputs) > self._cache_size:
            self._outputs.popitem(last=False)

    def _outputs_of(self, txid: str) -> tuple[TxOutput, ...] | None:
        if txid in self._outputs:
            return self._outputs[txid]
        if self._lookup is None:
            return None
        raw = self._lookup(txid)
        if raw is None:
            return None
        tx, _ = parse_core_transaction(dict(raw), chain=self._chain, source=self._source)
        if tx is None or tx.txid != txid:
            return None
        self.remember(tx)
        return tx.outputs

    def resolve(self, tx: UtxoTransaction) -> UtxoTransaction:
        if all(i.is_coinbase or i.value is not None for i in tx.inputs):
            return tx
        resolved = []
        for txin in tx.inputs:
            if txin.is_coinbase or txin.value is not None or txin.prev_txid is None:
                resolved.append(txin)
                continue
            outputs = self._outputs_of(txin.prev_txid)
            spent = next((o for o in outputs or () if o.index == txin.prev_vout), None)
            if spent is None:
                resolved.append(txin)
            else:
                resolved.append(
                    TxInput(
                        txin.index,
                        txin.prev_txid,
                        txin.prev_vout,
                        spent.value,
                        spent.address,
                        spent.script_type or None,
                    )
                )
        return UtxoTransaction(
            chain=tx.chain,
            txid=tx.txid,
            inputs=tuple(resolved),
            outputs=tx.outputs,
            block_hash=tx.block_hash,
            height=tx.height,
            timestamp=tx.timestamp,
            position=tx.position,
            coinjoin_hint=tx.coinjoin_hint,
            shielded=tx.shielded,
            source=tx.source,
        )


def _resolved(records: Iterable[ChainRecord], resolver: _PrevoutResolver) -> Iterator[ChainRecord]:
    for record in records:
        if isinstance(record, UtxoTransaction):
            record = resolver.resolve(record)
            resolver.remember(record)
        yield record


_REPLY_NAME = re.compile(
    r"rpc_response_(getblock|getrawtransaction)_([0-9a-f]{64})(?:_(\w+))?\.json"
)


class BitcoinCoreFileSource:
    """Saved Bitcoin Core replies in a folder: `rpc_response_getblock_<hash>_<verbosity>.json`
    and `rpc_response_getrawtransaction_<txid>.json` (the bitcoin-etl test layout).

    Each file holds the bare `result` object or a full JSON-RPC envelope."""

    def __init__(
        self,
        folder: Path,
        *,
        chain: str = "bitcoin",
        resolve_prevouts: bool = True,
        decimals: int = 8,
    ):
        self.folder = Path(folder)
        self.chain = chain
        self.name = f"bitcoin-core-files:{self.folder.name}"
        self.resolve_prevouts = resolve_prevouts
        self.decimals = decimals

    def _read(self, path: Path) -> tuple[JsonValue | None, ChainWarning | None]:
        try:
            data = load_json_bytes(path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            return None, _warn(
                WarningCode.MALFORMED,
                f"{path.name}: not JSON ({exc.__class__.__name__})",
                self.name,
            )
        if is_rpc_envelope(data):
            assert isinstance(data, Mapping)
            if data.get("error") is not None:
                return None, _warn(
                    WarningCode.RPC_ERROR, f"{path.name}: {data.get('error')}", self.name
                )
            data = data.get("result")
        return data, None

    def records(self) -> Iterator[ChainRecord]:
        if not self.folder.is_dir():
            raise NodeError(f"no such folder: {self.folder}")
        blocks: list[tuple[int, str, JsonValue]] = []
        raw_txs: dict[str, Path] = {}
        for path in sorted(self.folder.iterdir()):
            match = _REPLY_NAME.fullmatch(path.name)
            if match is None:
                continue
            if match.group(1) == "getrawtransaction":
                raw_txs[match.group(2)] = path
                continue
            data, warning = self._read(path)
            if warning is not None:
                yield warning
                continue
            height = data.get("height") if isinstance(data, Mapping) else None
            blocks.append((height if isinstance(height, int) else -1, path.name, data))

        def lookup(txid: str) -> Mapping[str, JsonValue] | None:
            path = raw_txs.get(txid)
            if path is None:
                return None
            data, _ = self._read(path)
            return data if isinstance(data, Mapping) else None

        resolver = _PrevoutResolver(
            lookup if self.resolve_prevouts else None, self.chain, self.name
        )
        for _, _, data in sorted(blocks, key=lambda b: (b[0], b[1])):
            yield from _resolved(
                parse_core_block(
                    data,
                    chain=self.chain,
                    source=self.name,
                    lookup_tx=lookup,
                    decimals=self.decimals,
                ),
                resolver,
            )


class BitcoinCoreRpcSource:
    """Blocks `start..stop` (inclusive) from a Bitcoin Core compatible node."""

    def __init__(
        self,
        client: JsonRpcClient,
        start: int,
        stop: int,
        *,
        chain: str = "bitcoin",
        resolve_prevouts: bool = True,
        decimals: int = 8,
    ):
        self.client = client
        self.start, self.stop = start, stop
        self.chain = chain
        self.name = f"bitcoin-core-rpc:{client.url}"
        self.resolve_prevouts = resolve_prevouts
        self.decimals = decimals

    def _lookup(self, txid: str) -> Mapping[str, JsonValue] | None:
        try:
            reply = self.client.call("getrawtransaction", [txid, True])
        except NodeError:
            return None
        return reply if isinstance(reply, Mapping) else None

    def records(self) -> Iterator[ChainRecord]:
        resolver = _PrevoutResolver(
            self._lookup if self.resolve_prevouts else None, self.chain, self.name
        )
        for height in range(self.start, self.stop + 1):
            try:
                block_hash = self.client.call("getblockhash", [height])
                if not isinstance(block_hash, str):
                    yield _warn(
                        WarningCode.MALFORMED, f"getblockhash {height}: not a string", self.name
                    )
                    continue
                block = self.client.call("getblock", [block_hash, 2])
            except NodeError as exc:
                yield _warn(WarningCode.RPC_ERROR, f"block {height}: {exc}", self.name)
                continue
            if isinstance(block, Mapping) and block.get("hash") != block_hash:
                yield _warn(
                    WarningCode.REORG,
                    f"block {height}: getblock returned hash {block.get('hash')!r}, "
                    f"not {block_hash} (chain changed between calls)",
                    self.name,
                    block=block_hash,
                )
                continue
            yield from _resolved(
                parse_core_block(
                    block,
                    chain=self.chain,
                    source=self.name,
                    lookup_tx=self._lookup,
                    decimals=self.decimals,
                ),
                resolver,
            )
