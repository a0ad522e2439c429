"""Chain records shared by every adapter, the store, clustering and tracing.

Two shapes cover the chains Vigil reads:

- UTXO chains (Bitcoin, Bitcoin Cash, Litecoin, Dogecoin, Zcash transparent
  part): a `UtxoTransaction` spends `TxInput`s (earlier outputs) and creates
  `TxOutput`s. Values are integers in the chain's base unit (satoshi).
- Account chains (Ethereum and EVM chains): a `Transfer` moves an integer
  amount of one asset (native ETH in wei, or an ERC-20 token in its base
  unit) from one address to another inside a transaction.

Adapters yield these records and `ChainWarning`s; a problem with one reply is
a warning, never an exception that stops an import, and never a silent guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AccountTransaction",
    "BlockHeader",
    "ChainRecord",
    "ChainWarning",
    "TransferKind",
    "Transfer",
    "TxInput",
    "TxOutput",
    "UtxoTransaction",
    "WarningCode",
]


class WarningCode(StrEnum):
    """Why an adapter or the store could not take a reply at face value."""

    MALFORMED = "malformed"
    """A reply is not the JSON shape the adapter expects."""
    RPC_ERROR = "rpc_error"
    """The node answered with a JSON-RPC error object."""
    DUPLICATE_TXID = "duplicate_txid"
    """The same txid in two different blocks (BIP30 duplicates)."""
    CONFLICTING_TX = "conflicting_tx"
    """The same txid with different content."""
    REORG = "reorg"
    """A height already stored now has another block hash."""
    CHAIN_GAP = "chain_gap"
    """A block's parent hash is not the stored block below it."""
    UNKNOWN_SCRIPT = "unknown_script"
    """An output script type without an address (value kept, not attributed)."""
    UNRESOLVED_INPUT = "unresolved_input"
    """An input whose spent output (address, value) is unknown."""
    AMOUNT_PRECISION = "amount_precision"
    """An amount that is not a whole number of base units."""
    SHIELDED = "shielded"
    """Value moved into or out of a shielded pool: not traceable."""
    VALUE_OVERFLOW = "value_overflow"
    """An amount too large for the store's 128-bit integer column."""
    TXID_MISMATCH = "txid_mismatch"
    """A txid given by the source differs from the one computed from the data."""
    FAILED_TX = "failed_tx"
    """A reverted Ethereum transaction or call: no value moved."""


@dataclass(frozen=True, slots=True)
class ChainWarning:
    """A problem met while reading chain data; stored, shown, never raised."""

    code: WarningCode
    message: str
    source: str = ""
    txid: str = ""
    block_hash: str = ""


@dataclass(frozen=True, slots=True)
class BlockHeader:
    chain: str
    height: int
    block_hash: str
    parent_hash: str | None
    timestamp: int | None


@dataclass(frozen=True, slots=True)
class TxOutput:
    index: int
    value: int | None
    """Base units (satoshi); None when the reply gave no usable amount."""
    address: str | None
    """The single address the output pays, or a `multisig:` key for bare multisig;
    None for OP_RETURN, non-standard and unknown scripts."""
    script_type: str = ""
    addresses: tuple[str, ...] = ()
    """Every address the reply listed (several for bare multisig)."""


@dataclass(frozen=True, slots=True)
class TxInput:
    index: int
    prev_txid: str | None
    """None for a coinbase input."""
    prev_vout: int | None
    value: int | None = None
    """Value of the spent output, when the reply or a lookup resolved it."""
    address: str | None = None
    script_type: str | None = None

    @property
    def is_coinbase(self) -> bool:
        return self.prev_txid is None and self.script_type != "shielded"

    @property
    def is_shielded(self) -> bool:
        """Value coming out of a shielded pool (Zcash): no outpoint, no address."""
        return self.script_type == "shielded"


@dataclass(frozen=True, slots=True)
class UtxoTransaction:
    chain: str
    txid: str
    inputs: tuple[TxInput, ...]
    outputs: tuple[TxOutput, ...]
    block_hash: str | None = None
    height: int | None = None
    timestamp: int | None = None
    position: int | None = None
    """Index of the transaction in its block."""
    coinjoin_hint: bool | None = None
    """A CoinJoin flag given by the source itself (GraphSense fixtures);
    None when the source says nothing."""
    shielded: bool = False
    source: str = ""

    @property
    def is_coinbase(self) -> bool:
        return any(i.is_coinbase for i in self.inputs)

    @property
    def input_value(self) -> int | None:
        values = [i.value for i in self.inputs if not i.is_coinbase]
        if any(v is None for v in values):
            return None
        return sum(v for v in values if v is not None)

    @property
    def output_value(self) -> int:
        return sum(o.value or 0 for o in self.outputs)


class TransferKind(StrEnum):
    NATIVE = "native"
    """The value of an Ethereum transaction itself."""
    INTERNAL = "internal"
    """Value moved by a contract call (a trace), not the top-level transaction."""
    ERC20 = "erc20"
    """An ERC-20 `Transfer(address,address,uint256)` log."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """One movement of one asset between two addresses on an account chain."""

    chain: str
    txid: str
    kind: TransferKind
    asset: str
    """'ETH' for the native coin, else the lower-cased token contract address."""
    from_address: str
    to_address: str
    value: int
    block_number: int | None = None
    timestamp: int | None = None
    position: str = ""
    """Unique within the transaction: 'tx', 'log:<index>' or 'trace:<path>'."""
    source: str = ""


@dataclass(frozen=True, slots=True)
class AccountTransaction:
    """An Ethereum transaction with the transfers it caused."""

    chain: str
    txid: str
    from_address: str
    to_address: str | None
    value: int
    block_number: int | None = None
    block_hash: str | None = None
    timestamp: int | None = None
    position: int | None = None
    status: int | None = None
    """1 success, 0 reverted, None unknown (pre-Byzantium or no receipt)."""
    transfers: tuple[Transfer, ...] = field(default=())
    source: str = ""


ChainRecord = BlockHeader | UtxoTransaction | AccountTransaction | Transfer | ChainWarning
"""What a `ChainSource` yields."""
