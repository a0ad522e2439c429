"""Ethereum JSON-RPC: blocks with full transactions, receipts (ERC-20
`Transfer` logs, status, created contract), and internal value transfers from
Parity `trace_block`, geth `callTracer` or, where a node has neither (ganache,
a geth without tracers), the opcode-level struct logs of `debug_traceTransaction`,
from a live node or from saved replies.

A reverted transaction (receipt status 0) or an errored call moves no value:
it gives no transfer, and a warning when it carried value.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vigil.crypto._values import hex_quantity, load_json_bytes
from vigil.crypto.model import (
    AccountTransaction,
    BlockHeader,
    ChainRecord,
    ChainWarning,
    Transfer,
    TransferKind,
    WarningCode,
)
from vigil.crypto.sources.http import (
    JsonRpcClient,
    MethodUnavailable,
    NodeError,
    is_rpc_envelope,
)
from vigil.domain.model import JsonValue

__all__ = [
    "ERC20_TRANSFER_TOPIC",
    "EthereumFileSource",
    "EthereumRpcSource",
    "decode_erc20_transfer",
    "parse_eth_block",
    "parse_eth_receipt",
    "parse_geth_call_traces",
    "parse_parity_traces",
    "parse_struct_logs",
]

ERC20_TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
"""keccak256('Transfer(address,address,uint256)')."""

_ADDRESS = re.compile(r"0x[0-9a-f]{40}")
_HASH = re.compile(r"0x[0-9a-f]{64}")
_NO_VALUE_CALLS = {"delegatecall", "callcode", "staticcall"}
"""Call types that move no value of their own (callcode runs code in the caller)."""


def _warn(
    code: WarningCode, message: str, source: str, txid: str = "", block: str = ""
) -> ChainWarning:
    return ChainWarning(code, message, source=source, txid=txid, block_hash=block)


def _address(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.lower()
    return value if _ADDRESS.fullmatch(value) else None


def _hash(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.lower()
    return value if _HASH.fullmatch(value) else None


def _topic_address(topic: object) -> str | None:
    if not isinstance(topic, str) or len(topic) != 66 or not topic.startswith("0x"):
        return None
    if topic[2:26].strip("0"):
        return None
    return _address("0x" + topic[26:])


def decode_erc20_transfer(
    log: Mapping[str, JsonValue],
    *,
    chain: str = "ethereum",
    source: str = "",
    timestamp: int | None = None,
) -> Transfer | None:
    """The ERC-20 transfer a log records, or None (other events, ERC-721
    transfers with the token id in a fourth topic, malformed logs)."""
    topics = log.get("topics")
    if isinstance(topics, str):
        topics = topics.split(",")
    if not isinstance(topics, list) or len(topics) != 3:
        return None
    if str(topics[0]).lower() != ERC20_TRANSFER_TOPIC:
        return None
    token = _address(log.get("address"))
    sender, receiver = _topic_address(topics[1]), _topic_address(topics[2])
    data = log.get("data")
    txid = _hash(log.get("transactionHash", log.get("transaction_hash")))
    index = hex_quantity(log.get("logIndex", log.get("log_index")))
    if None in (token, sender, receiver, txid, index) or not isinstance(data, str):
        return None
    if not data.startswith("0x") or len(data) != 66:
        return None
    try:
        value = int(data[2:], 16)
    except ValueError:
        return None
    block = hex_quantity(log.get("blockNumber", log.get("block_number")))
    assert token and sender and receiver and txid and index is not None
    return Transfer(
        chain,
        txid,
        TransferKind.ERC20,
        token,
        sender,
        receiver,
        value,
        block,
        timestamp,
        f"log:{index}",
        source,
    )


def parse_eth_block(
    raw: JsonValue, *, chain: str = "ethereum", source: str = ""
) -> tuple[BlockHeader | None, list[AccountTransaction], list[ChainWarning]]:
    """eth_getBlockByNumber(n, true): the header and its transactions with the
    native value transfer each (status unknown until its receipt is read)."""
    if not isinstance(raw, Mapping):
        return None, [], [_warn(WarningCode.MALFORMED, "block reply is not an object", source)]
    number, block_hash = hex_quantity(raw.get("number")), _hash(raw.get("hash"))
    if number is None or block_hash is None:
        return None, [], [_warn(WarningCode.MALFORMED, "block reply lacks number/hash", source)]
    timestamp = hex_quantity(raw.get("timestamp"))
    header = BlockHeader(chain, number, block_hash, _hash(raw.get("parentHash")), timestamp)
    txs: list[AccountTransaction] = []
    warnings: list[ChainWarning] = []
    entries = raw.get("transactions")
    if not isinstance(entries, list):
        return (
            header,
            [],
            [
                _warn(
                    WarningCode.MALFORMED, "block has no transaction list", source, block=block_hash
                )
            ],
        )
    for position, entry in enumerate(entries):
        if isinstance(entry, str):
            continue  # a block fetched without full transactions: hashes only
        if not isinstance(entry, Mapping):
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    f"transaction {position} is not an object",
                    source,
                    block=block_hash,
                )
            )
            continue
        txid, sender = _hash(entry.get("hash")), _address(entry.get("from"))
        value = hex_quantity(entry.get("value"))
        receiver = _address(entry.get("to"))
        if txid is None or sender is None or value is None or value < 0:
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    f"transaction {position} lacks hash/from/value",
                    source,
                    block=block_hash,
                )
            )
            continue
        if entry.get("to") is None:
            receiver = _address(entry.get("creates"))  # contract creation (Parity adds `creates`)
        transfers: tuple[Transfer, ...] = ()
        if value > 0 and receiver is not None:
            transfers = (
                Transfer(
                    chain,
                    txid,
                    TransferKind.NATIVE,
                    "ETH",
                    sender,
                    receiver,
                    value,
                    number,
                    timestamp,
                    "tx",
                    source,
                ),
            )
        txs.append(
            AccountTransaction(
                chain,
                txid,
                sender,
                receiver,
                value,
                number,
                block_hash,
                timestamp,
                position,
                None,
                transfers,
                source,
            )
        )
    return header, txs, warnings


def parse_eth_receipt(
    raw: JsonValue, *, chain: str = "ethereum", source: str = "", timestamp: int | None = None
) -> tuple[str | None, int | None, list[Transfer], list[ChainWarning]]:
    """eth_getTransactionReceipt: (txid, status, ERC-20 transfers, warnings).
    Logs of a reverted transaction are ignored (a node does not return any)."""
    if not isinstance(raw, Mapping):
        return None, None, [], [_warn(WarningCode.MALFORMED, "receipt is not an object", source)]
    txid = _hash(raw.get("transactionHash"))
    if txid is None:
        return (
            None,
            None,
            [],
            [_warn(WarningCode.MALFORMED, "receipt has no transactionHash", source)],
        )
    status = hex_quantity(raw.get("status")) if raw.get("status") is not None else None
    logs = raw.get("logs")
    transfers: list[Transfer] = []
    warnings: list[ChainWarning] = []
    if not isinstance(logs, list):
        return (
            txid,
            status,
            [],
            [_warn(WarningCode.MALFORMED, "receipt has no log list", source, txid)],
        )
    if status == 0:
        return txid, status, [], []
    for log in logs:
        if not isinstance(log, Mapping):
            warnings.append(_warn(WarningCode.MALFORMED, "log is not an object", source, txid))
            continue
        if log.get("removed") is True:
            warnings.append(
                _warn(WarningCode.REORG, "log marked removed (reorged out)", source, txid)
            )
            continue
        transfer = decode_erc20_transfer(log, chain=chain, source=source, timestamp=timestamp)
        if transfer is not None:
            transfers.append(transfer)
    return txid, status, transfers, warnings


def parse_parity_traces(
    raw: JsonValue, *, chain: str = "ethereum", source: str = "", timestamp: int | None = None
) -> tuple[list[Transfer], list[ChainWarning]]:
    """trace_block / trace_transaction: value moved by calls, creations and
    self-destructs. The top-level call repeats the transaction's own value and
    gets position 'tx' so the store keeps it once."""
    if not isinstance(raw, list):
        return [], [_warn(WarningCode.MALFORMED, "trace reply is not a list", source)]
    transfers: list[Transfer] = []
    warnings: list[ChainWarning] = []
    for trace in raw:
        if not isinstance(trace, Mapping):
            warnings.append(_warn(WarningCode.MALFORMED, "trace is not an object", source))
            continue
        kind, action = trace.get("type"), trace.get("action")
        txid = _hash(trace.get("transactionHash"))
        if kind == "reward" or not isinstance(action, Mapping):
            continue
        if txid is None:
            warnings.append(
                _warn(WarningCode.MALFORMED, f"{kind} trace has no transactionHash", source)
            )
            continue
        path = trace.get("traceAddress")
        if not isinstance(path, list):
            warnings.append(_warn(WarningCode.MALFORMED, "trace has no traceAddress", source, txid))
            continue
        block = hex_quantity(trace.get("blockNumber"))
        if kind == "suicide":
            sender, receiver = (
                _address(action.get("address")),
                _address(action.get("refundAddress")),
            )
            value = hex_quantity(action.get("balance"))
        else:
            sender = _address(action.get("from"))
            value = hex_quantity(action.get("value"))
            result = trace.get("result")
            receiver = (
                _address(result.get("address"))
                if kind == "create" and isinstance(result, Mapping)
                else _address(action.get("to"))
            )
            if action.get("callType") in _NO_VALUE_CALLS:
                continue
        if value is None or sender is None:
            warnings.append(
                _warn(WarningCode.MALFORMED, f"{kind} trace lacks from/value", source, txid)
            )
            continue
        if value == 0:
            continue
        if trace.get("error"):
            warnings.append(
                _warn(
                    WarningCode.FAILED_TX,
                    f"call at {path} failed ({trace.get('error')}): its value did not move",
                    source,
                    txid,
                )
            )
            continue
        if receiver is None:
            warnings.append(
                _warn(
                    WarningCode.MALFORMED, f"{kind} trace with value has no receiver", source, txid
                )
            )
            continue
        position = "tx" if not path else "trace:" + "_".join(str(p) for p in path)
        kind_enum = TransferKind.NATIVE if not path else TransferKind.INTERNAL
        transfers.append(
            Transfer(
                chain,
                txid,
                kind_enum,
                "ETH",
                sender,
                receiver,
                value,
                block,
                timestamp,
                position,
                source,
            )
        )
    return transfers, warnings


def parse_geth_call_traces(
    raw: JsonValue,
    tx_hashes: Sequence[str],
    *,
    block_number: int | None = None,
    chain: str = "ethereum",
    source: str = "",
    timestamp: int | None = None,
) -> tuple[list[Transfer], list[ChainWarning]]:
    """debug_traceBlockByNumber with callTracer: one result per transaction
    in block order (`txHash` where the node gives it, else `tx_hashes`)."""
    if not isinstance(raw, list):
        return [], [_warn(WarningCode.MALFORMED, "geth trace reply is not a list", source)]
    transfers: list[Transfer] = []
    warnings: list[ChainWarning] = []
    for position, entry in enumerate(raw):
        frame = entry.get("result") if isinstance(entry, Mapping) else None
        txid = _hash(entry.get("txHash")) if isinstance(entry, Mapping) else None
        if txid is None and position < len(tx_hashes):
            txid = tx_hashes[position]
        if not isinstance(frame, Mapping):
            warnings.append(
                _warn(WarningCode.MALFORMED, f"geth trace {position}: no call frame", source)
            )
            continue
        if txid is None:
            txid = f"block{block_number}:tx{position}"
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    f"geth trace {position}: transaction hash unknown (no block reply); "
                    f"recorded under the placeholder id {txid}",
                    source,
                    txid,
                )
            )
        stack: list[tuple[Mapping[str, JsonValue], tuple[int, ...], bool]] = [(frame, (), False)]
        while stack:
            call, path, parent_failed = stack.pop()
            failed = parent_failed or bool(call.get("error"))
            kind = str(call.get("type") or "").lower()
            value = hex_quantity(call.get("value")) if call.get("value") is not None else 0
            sender, receiver = _address(call.get("from")), _address(call.get("to"))
            if kind == "selfdestruct":
                kind = "suicide"
                if call.get("value") is None:
                    warnings.append(
                        _warn(
                            WarningCode.MALFORMED,
                            f"self-destruct at {list(path)} without value or beneficiary "
                            "(older geth callTracer): the balance it sent is unknown",
                            source,
                            txid,
                        )
                    )
            if value and kind not in _NO_VALUE_CALLS:
                if failed:
                    warnings.append(
                        _warn(
                            WarningCode.FAILED_TX,
                            f"call at {list(path)} failed: its value did not move",
                            source,
                            txid,
                        )
                    )
                elif sender is None or receiver is None:
                    warnings.append(
                        _warn(
                            WarningCode.MALFORMED,
                            f"call at {list(path)} lacks from/to",
                            source,
                            txid,
                        )
                    )
                else:
                    pos = "tx" if not path else "trace:" + "_".join(str(p) for p in path)
                    transfers.append(
                        Transfer(
                            chain,
                            txid,
                            TransferKind.NATIVE if not path else TransferKind.INTERNAL,
                            "ETH",
                            sender,
                            receiver,
                            value,
                            block_number,
                            timestamp,
                            pos,
                            source,
                        )
                    )
            children = call.get("calls")
            if isinstance(children, list):
                for index in range(len(children) - 1, -1, -1):
                    child = children[index]
                    if isinstance(child, Mapping):
                        stack.append((child, (*path, index), failed))
    return transfers, warnings


_CALL_OPS = frozenset({"CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"})
_STRUCT_LOG_OPTIONS: dict[str, JsonValue] = {"disableStorage": True, "disableMemory": True}
"""Only the stack is needed; storage and memory make the reply many times larger."""


@dataclass(slots=True, eq=False)
class _Frame:
    """A call frame met while walking struct logs."""

    address: str | None
    """The account whose balance the frame spends; None for a contract
    creation until it returns its address."""
    path: tuple[int, ...]
    children: int = 0
    moves: list[_Move] = field(default_factory=list)
    """Value moved by this frame and by its children that succeeded."""


@dataclass(slots=True, eq=False)
class _Move:
    path: tuple[int, ...]
    sender: _Frame
    receiver: _Frame | str
    value: int


@dataclass(slots=True)
class _Pending:
    """A call made at some depth, waiting for its result (the stack top of the
    next step at that depth: 0/1, or the created address)."""

    move: _Move | None
    child: _Frame
    creates: bool


def _stack_word(stack: object, from_top: int) -> int | None:
    if not isinstance(stack, list) or len(stack) < from_top:
        return None
    word = stack[-from_top]
    try:
        return int(word, 16) if isinstance(word, str) else None
    except ValueError:
        return None


def _word_address(word: int | None) -> str | None:
    return f"0x{word:040x}" if word is not None and 0 <= word < 1 << 160 else None


def parse_struct_logs(
    raw: JsonValue,
    tx: AccountTransaction,
    *,
    source: str = "",
    timestamp: int | None = None,
) -> tuple[list[Transfer], list[ChainWarning]]:
    """debug_traceTransaction with the default struct logger (one entry per
    opcode with depth and stack): the value moved by CALL and CREATE inside
    the transaction, with the trace path of each call as its position.

    A call's success is the stack top of the next step at the caller's depth;
    a failed call undoes its own value and everything below it. `tx` must carry
    the receipt status and, for a creation, the created address. A self-destruct
    sends a balance struct logs do not show: warned, not guessed."""
    logs = raw.get("structLogs") if isinstance(raw, Mapping) else None
    if not isinstance(logs, list):
        return [], [
            _warn(WarningCode.MALFORMED, "struct-log trace has no structLogs", source, tx.txid)
        ]
    if not logs or tx.status == 0 or (isinstance(raw, Mapping) and raw.get("failed") is True):
        return [], []
    if tx.to_address is None:
        return [], [
            _warn(
                WarningCode.MALFORMED,
                "contract creation without a created address: internal transfers skipped",
                source,
                tx.txid,
            )
        ]
    root = _Frame(tx.to_address, ())
    frames = [root]
    pending: dict[int, _Pending] = {}
    warnings: list[ChainWarning] = []
    for step in logs:
        depth = step.get("depth") if isinstance(step, Mapping) else None
        if not isinstance(depth, int) or not 1 <= depth <= len(frames) + 1:
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    "struct logs with an impossible call depth: internal transfers skipped",
                    source,
                    tx.txid,
                )
            )
            return [], warnings
        assert isinstance(step, Mapping)
        if depth == len(frames) + 1:
            if len(frames) not in pending:
                warnings.append(
                    _warn(
                        WarningCode.MALFORMED,
                        "struct logs enter a call frame no call opened: internal transfers skipped",
                        source,
                        tx.txid,
                    )
                )
                return [], warnings
            frames.append(pending[len(frames)].child)
        while depth < len(frames):
            pending.pop(len(frames), None)  # a call left unanswered: its frame halted
            frames.pop()
        stack = step.get("stack")
        if depth in pending:
            _settle(
                pending.pop(depth), frames[-1], _stack_word(stack, 1), source, tx.txid, warnings
            )
        op = str(step.get("op") or "").upper()
        frame = frames[-1]
        if op in _CALL_OPS:
            pending[depth] = _open_call(op, frame, stack)
        elif op in ("SELFDESTRUCT", "SUICIDE"):
            frame.children += 1
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    f"self-destruct at {list((*frame.path, frame.children - 1))}: struct logs do "
                    "not show the balance it sent (use a node with trace_block or callTracer)",
                    source,
                    tx.txid,
                )
            )
    return _emit_moves(root, tx, source, timestamp, warnings), warnings


def _open_call(op: str, frame: _Frame, stack: object) -> _Pending:
    path = (*frame.path, frame.children)
    frame.children += 1
    if op in ("CREATE", "CREATE2"):
        child = _Frame(None, path)
        value = _stack_word(stack, 1) or 0
        return _Pending(_Move(path, frame, child, value) if value else None, child, True)
    target = _word_address(_stack_word(stack, 2))
    if op in ("DELEGATECALL", "CALLCODE"):  # code of another account run on this one's balance
        return _Pending(None, _Frame(frame.address, path), False)
    value = (_stack_word(stack, 3) or 0) if op == "CALL" else 0  # STATICCALL moves nothing
    child = _Frame(target, path)
    move = _Move(path, frame, target, value) if value and target is not None else None
    return _Pending(move, child, False)


def _settle(
    call: _Pending,
    caller: _Frame,
    result: int | None,
    source: str,
    txid: str,
    warnings: list[ChainWarning],
) -> None:
    """Keep a returned call's value moves in its caller, or drop them if it failed."""
    moves = ([call.move] if call.move is not None else []) + call.child.moves
    if call.creates and result:
        call.child.address = _word_address(result)
    if result:
        caller.moves.extend(moves)
    elif moves:
        warnings.append(
            _warn(
                WarningCode.FAILED_TX,
                f"call at {list(call.child.path)} failed: the value it and its callees "
                "sent did not move",
                source,
                txid,
            )
        )


def _emit_moves(
    root: _Frame,
    tx: AccountTransaction,
    source: str,
    timestamp: int | None,
    warnings: list[ChainWarning],
) -> list[Transfer]:
    transfers = []
    for move in root.moves:
        receiver = move.receiver if isinstance(move.receiver, str) else move.receiver.address
        position = "trace:" + "_".join(str(p) for p in move.path)
        if move.sender.address is None or receiver is None:
            warnings.append(
                _warn(
                    WarningCode.MALFORMED,
                    f"{position}: sender or receiver unknown",
                    source,
                    tx.txid,
                )
            )
            continue
        transfers.append(
            Transfer(
                tx.chain,
                tx.txid,
                TransferKind.INTERNAL,
                "ETH",
                move.sender.address,
                receiver,
                move.value,
                tx.block_number,
                timestamp,
                position,
                source,
            )
        )
    return transfers


def _unwrap(data: JsonValue, name: str, source: str) -> tuple[JsonValue, ChainWarning | None]:
    if is_rpc_envelope(data):
        assert isinstance(data, Mapping)
        if data.get("error") is not None:
            return None, _warn(WarningCode.RPC_ERROR, f"{name}: {data.get('error')}", source)
        return data.get("result"), None
    return data, None


def _created_address(receipt: JsonValue) -> str | None:
    return _address(receipt.get("contractAddress")) if isinstance(receipt, Mapping) else None


def _with_status(
    tx: AccountTransaction, status: int | None, source: str, created: str | None = None
) -> tuple[AccountTransaction, list[ChainWarning]]:
    """The transaction with its receipt's status and, for a contract creation,
    the created address (blocks give `to: null`; only Parity adds `creates`)."""
    warnings: list[ChainWarning] = []
    transfers = tx.transfers
    receiver = tx.to_address
    if receiver is None and created is not None:
        receiver = created
        if tx.value > 0:
            transfers = (
                Transfer(
                    tx.chain,
                    tx.txid,
                    TransferKind.NATIVE,
                    "ETH",
                    tx.from_address,
                    created,
                    tx.value,
                    tx.block_number,
                    tx.timestamp,
                    "tx",
                    tx.source,
                ),
            )
    if status == 0:
        if tx.value:
            warnings.append(
                _warn(
                    WarningCode.FAILED_TX,
                    "transaction reverted: its value did not move",
                    source,
                    tx.txid,
                )
            )
        transfers = ()
    return replace(tx, to_address=receiver, status=status, transfers=transfers), warnings


class EthereumFileSource:
    """Saved `web3_response.<method>_<params>.json` replies (ethereum-etl test layout):
    blocks, receipts, filter logs, Parity traces and geth callTracer traces."""

    def __init__(self, folder: Path, *, chain: str = "ethereum"):
        self.folder = Path(folder)
        self.chain = chain
        self.name = f"ethereum-files:{self.folder.name}"

    def records(self) -> Iterator[ChainRecord]:
        if not self.folder.is_dir():
            raise NodeError(f"no such folder: {self.folder}")
        replies: dict[str, list[tuple[str, JsonValue]]] = {}
        for path in sorted(self.folder.glob("web3_response.*.json")):
            method = (
                path.name.split(".")[1].split("_")[0] + "_" + path.name.split(".")[1].split("_")[1]
            )
            try:
                data, warning = _unwrap(load_json_bytes(path.read_bytes()), path.name, self.name)
            except (OSError, ValueError, UnicodeDecodeError):
                yield _warn(WarningCode.MALFORMED, f"{path.name}: not JSON", self.name)
                continue
            if warning is not None:
                yield warning
                continue
            replies.setdefault(method, []).append((path.name, data))
        receipts: dict[str, tuple[int | None, list[Transfer], str | None]] = {}
        for name, data in replies.get("eth_getTransactionReceipt", []):
            txid, status, transfers, warnings = parse_eth_receipt(
                data, chain=self.chain, source=f"{self.name}/{name}"
            )
            yield from warnings
            if txid is not None:
                receipts[txid] = (status, transfers, _created_address(data))
        block_txs: dict[int, list[str]] = {}
        timestamps: dict[int, int | None] = {}
        for name, data in replies.get("eth_getBlockByNumber", []):
            header, txs, warnings = parse_eth_block(
                data, chain=self.chain, source=f"{self.name}/{name}"
            )
            yield from warnings
            if header is None:
                continue
            yield header
            block_txs[header.height] = [t.txid for t in txs]
            timestamps[header.height] = header.timestamp
            for tx in txs:
                status, token_transfers, created = receipts.pop(tx.txid, (None, [], None))
                tx, status_warnings = _with_status(tx, status, self.name, created)
                yield from status_warnings
                yield replace(tx, transfers=(*tx.transfers, *token_transfers))
        for _, (_, token_transfers, _) in sorted(receipts.items()):
            yield from token_transfers
        for name, data in replies.get("eth_getFilterLogs", []):
            if not isinstance(data, list):
                yield _warn(WarningCode.MALFORMED, f"{name}: logs reply is not a list", self.name)
                continue
            for log in data:
                transfer = (
                    decode_erc20_transfer(log, chain=self.chain, source=f"{self.name}/{name}")
                    if isinstance(log, Mapping)
                    else None
                )
                if transfer is not None:
                    yield transfer
        for name, data in replies.get("trace_block", []):
            transfers, warnings = parse_parity_traces(
                data, chain=self.chain, source=f"{self.name}/{name}"
            )
            yield from warnings
            yield from transfers
        for name, data in replies.get("debug_traceBlockByNumber", []):
            number = hex_quantity(name.split("_")[2]) if name.count("_") >= 2 else None
            hashes = block_txs.get(number, []) if number is not None else []
            transfers, warnings = parse_geth_call_traces(
                data, hashes, block_number=number, chain=self.chain, source=f"{self.name}/{name}"
            )
            yield from warnings
            yield from transfers


TRACE_MODES = (None, "parity", "geth", "structlog")


class EthereumRpcSource:
    """Blocks start..stop from an Ethereum node: transactions, receipts (status,
    ERC-20 transfers, created contracts) and, if asked, internal transfers from
    traces: `parity` (trace_block), `geth` (debug_traceBlockByNumber with
    callTracer) or `structlog` (debug_traceTransaction per transaction, which
    every geth-like node and ganache offer). A node without the block tracer
    asked for falls back to struct logs, and one without those imports no
    internal transfers; each step down is one warning."""

    def __init__(
        self,
        client: JsonRpcClient,
        start: int,
        stop: int,
        *,
        chain: str = "ethereum",
        traces: str | None = None,
    ):
        if traces not in TRACE_MODES:
            raise ValueError("traces must be None, 'parity', 'geth' or 'structlog'")
        self.client = client
        self.start, self.stop = start, stop
        self.chain = chain
        self.traces = traces
        self.name = f"ethereum-rpc:{client.url}"

    def records(self) -> Iterator[ChainRecord]:
        traces = self.traces
        for number in range(self.start, self.stop + 1):
            try:
                raw = self.client.call("eth_getBlockByNumber", [hex(number), True])
            except NodeError as exc:
                yield _warn(WarningCode.RPC_ERROR, f"block {number}: {exc}", self.name)
                continue
            header, txs, warnings = parse_eth_block(raw, chain=self.chain, source=self.name)
            yield from warnings
            if header is None:
                continue
            if header.height != number:
                yield _warn(
                    WarningCode.MALFORMED,
                    f"asked for block {number}, got {header.height}",
                    self.name,
                )
                continue
            yield header
            done: list[AccountTransaction] = []
            for tx in txs:
                tx = yield from self._with_receipt(tx, header.timestamp)
                yield tx
                done.append(tx)
            traces = yield from self._traces(traces, number, done, header.timestamp)

    def _with_receipt(
        self, tx: AccountTransaction, timestamp: int | None
    ) -> Generator[ChainWarning, None, AccountTransaction]:
        try:
            receipt = self.client.call("eth_getTransactionReceipt", [tx.txid])
        except NodeError as exc:
            yield _warn(WarningCode.RPC_ERROR, f"receipt {tx.txid}: {exc}", self.name, tx.txid)
            return tx
        txid, status, token_transfers, warnings = parse_eth_receipt(
            receipt, chain=self.chain, source=self.name, timestamp=timestamp
        )
        yield from warnings
        if txid != tx.txid:
            yield _warn(
                WarningCode.MALFORMED, f"receipt is for {txid}, not {tx.txid}", self.name, tx.txid
            )
            return tx
        tx, status_warnings = _with_status(tx, status, self.name, _created_address(receipt))
        yield from status_warnings
        return replace(tx, transfers=(*tx.transfers, *token_transfers))

    def _traces(
        self, mode: str | None, number: int, txs: list[AccountTransaction], timestamp: int | None
    ) -> Generator[ChainRecord, None, str | None]:
        """Internal transfers of one block; returns the mode for the next block."""
        if mode is None or not txs:
            return mode
        if mode in ("parity", "geth"):
            try:
                transfers, warnings = self._block_traces(mode, number, txs, timestamp)
            except MethodUnavailable as exc:
                yield _warn(
                    WarningCode.RPC_ERROR,
                    f"{exc}: internal transfers come from debug_traceTransaction struct logs "
                    "instead (one call per transaction)",
                    self.name,
                )
                mode = "structlog"
            except NodeError as exc:
                yield _warn(WarningCode.RPC_ERROR, f"traces of block {number}: {exc}", self.name)
                return mode
            else:
                yield from warnings
                yield from transfers
                return mode
        for tx in txs:
            try:
                raw = self.client.call("debug_traceTransaction", [tx.txid, _STRUCT_LOG_OPTIONS])
            except MethodUnavailable as exc:
                yield _warn(
                    WarningCode.RPC_ERROR,
                    f"{exc}: internal transfers (value moved by contracts) are not imported",
                    self.name,
                )
                return None
            except NodeError as exc:
                yield _warn(WarningCode.RPC_ERROR, f"trace of {tx.txid}: {exc}", self.name, tx.txid)
                continue
            transfers, warnings = parse_struct_logs(raw, tx, source=self.name, timestamp=timestamp)
            yield from warnings
            yield from transfers
        return mode

    def _block_traces(
        self, mode: str, number: int, txs: list[AccountTransaction], timestamp: int | None
    ) -> tuple[list[Transfer], list[ChainWarning]]:
        if mode == "parity":
            raw = self.client.call("trace_block", [hex(number)])
            return parse_parity_traces(raw, chain=self.chain, source=self.name, timestamp=timestamp)
        raw = self.client.call("debug_traceBlockByNumber", [hex(number), {"tracer": "callTracer"}])
        return parse_geth_call_traces(
            raw,
            [t.txid for t in txs],
            block_number=number,
            chain=self.chain,
            source=self.name,
            timestamp=timestamp,
        )
