"""Cryptocurrency tracing: chain adapters, a DuckDB transaction store,
address clustering, flow tracing and attribution tags.

Entry points for callers (CLI, report) are in `vigil.crypto.service`; the
building blocks are importable on their own:

- `vigil.crypto.sources`: `ChainSource` adapters (Bitcoin Core JSON-RPC,
  Esplora REST, bitcoin-etl/ethereum-etl exports, Ethereum JSON-RPC,
  GraphSense fixtures) and their HTTP clients;
- `vigil.crypto.store.TxStore`: the local store;
- `vigil.crypto.clustering`, `vigil.crypto.coinjoin`: clustering;
- `vigil.crypto.tracing`: forward/backward traces, path search;
- `vigil.crypto.tags`: TagPacks, OFAC lists, CryptoScamDB, user tags.

Heavy dependencies (duckdb, numpy, pyyaml) are imported inside functions:
importing this package is cheap.
"""

from vigil.crypto.model import (
    AccountTransaction,
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

__all__ = [
    "AccountTransaction",
    "BlockHeader",
    "ChainRecord",
    "ChainWarning",
    "Transfer",
    "TransferKind",
    "TxInput",
    "TxOutput",
    "UtxoTransaction",
    "WarningCode",
]
