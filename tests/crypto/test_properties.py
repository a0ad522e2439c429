# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""Hypothesis: any bytes or JSON into every parser gives records or warnings, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.crypto.model import ChainWarning
from vigil.crypto.sources.bitcoin_core import (
    BitcoinCoreFileSource,
    parse_core_block,
    parse_core_transaction,
)
from vigil.crypto.sources.esplora import EsploraFileSource, parse_esplora_transaction
from vigil.crypto.sources.ethereum import (
    EthereumFileSource,
    parse_eth_block,
    parse_eth_receipt,
    parse_geth_call_traces,
    parse_parity_traces,
)
from vigil.crypto.sources.etl import BitcoinEtlSource, EthereumEtlSource
from vigil.crypto.sources.graphsense import GraphSenseFixtureSource
from vigil.crypto.tags import load_tagpack

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "txid",
                    "vin",
                    "vout",
                    "hash",
                    "height",
                    "tx",
                    "value",
                    "n",
                    "scriptPubKey",
                    "coinbase",
                    "prevout",
                    "number",
                    "transactions",
                    "from",
                    "to",
                    "logs",
                    "topics",
                    "data",
                    "action",
                    "type",
                    "traceAddress",
                    "transactionHash",
                    "result",
                    "calls",
                    "version",
                    "locktime",
                    "inputs",
                    "outputs",
                    "address",
                    "status",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@given(json_values)
@settings(max_examples=150, deadline=None)
def test_json_parsers_never_raise(value: object) -> None:
    tx, warnings = parse_core_transaction(value, chain="bitcoin", source="h")
    assert tx is not None or warnings
    list(parse_core_block(value, chain="bitcoin", source="h"))
    tx2, w2 = parse_esplora_transaction(value)
    assert tx2 is not None or w2
    parse_eth_block(value)
    parse_eth_receipt(value)
    parse_parity_traces(value)
    parse_geth_call_traces(value, [])


@given(st.binary(max_size=600))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_file_sources_never_raise_on_bytes(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "f"
    folder.mkdir(exist_ok=True)
    names = [
        "rpc_response_getblock_" + "ab" * 32 + "_2.json",
        "web3_response.eth_getBlockByNumber_0x1_true.json",
        "expected_transactions.json",
        "token_transfers.csv",
        "tx.json",
    ]
    for name in names:
        (folder / name).write_bytes(data)
    (folder / "txs.jsonl").write_bytes(data)
    for source in (
        BitcoinCoreFileSource(folder),
        EthereumFileSource(folder),
        BitcoinEtlSource(folder),
        EthereumEtlSource(folder),
        EsploraFileSource(folder),
        GraphSenseFixtureSource(folder / "txs.jsonl"),
    ):
        for record in source.records():
            assert record is not None
    (folder / "pack.yaml").write_bytes(data)
    tags, report = load_tagpack(folder / "pack.yaml")
    assert tags or report.problems or report.tags == 0


def test_truncated_fixture_reply_is_a_warning(etl: Path, tmp_path: Path) -> None:
    original = next(
        (etl / "bitcoin-etl/test_export_blocks_job/bitcoin/block_1").glob("rpc_response_getblock_*")
    )
    (tmp_path / original.name).write_bytes(original.read_bytes()[:200])
    records = list(BitcoinCoreFileSource(tmp_path).records())
    assert records and all(isinstance(r, ChainWarning) for r in records)
    assert json.dumps([r.message for r in records])
