# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""The DuckDB store: integrity rules (duplicates, BIP30, reorgs, conflicts)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vigil.crypto.model import (
    BlockHeader,
    Transfer,
    TransferKind,
    TxInput,
    TxOutput,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.bitcoin_core import BitcoinCoreFileSource
from vigil.crypto.sources.esplora import EsploraFileSource
from vigil.crypto.store import TxStore

BLOCKS = "bitcoin-etl/test_export_blocks_job"


def _tx(
    txid: str,
    block: str | None,
    height: int | None,
    *,
    prev: str | None = None,
    address: str = "1A",
    value: int = 10,
    chain: str = "bitcoin",
) -> UtxoTransaction:
    inputs = (TxInput(0, prev, 0),) if prev else (TxInput(0, None, None),)
    return UtxoTransaction(
        chain, txid, inputs, (TxOutput(0, value, address),), block_hash=block, height=height
    )


def test_bch_duplicate_txid_is_kept_twice_with_a_warning(etl: Path, tmp_path: Path) -> None:
    records = list(
        BitcoinCoreFileSource(
            etl / BLOCKS / "bitcoin_cash/block_with_duplicate_txid", chain="bitcoin-cash"
        ).records()
    )
    header = next(r for r in records if isinstance(r, BlockHeader))
    coinbase = next(r for r in records if isinstance(r, UtxoTransaction))
    with TxStore(tmp_path / "s.duckdb") as store:
        first = store.ingest(records)
        assert first.transactions == 1 and not first.warnings
        # the same coinbase txid again in block 91880 (BIP30), as on the real chain
        later = dataclasses.replace(
            header, height=91880, block_hash="0" * 63 + "1", parent_hash=None
        )
        again = dataclasses.replace(coinbase, height=91880, block_hash=later.block_hash)
        report = store.ingest([later, again])
        assert [w.code for w in report.warnings] == [WarningCode.DUPLICATE_TXID]
        assert coinbase.txid in report.warnings[0].message
        assert store.counts()["txs"] == 2
        # a spend at a later height links to the later occurrence, never to both
        spend = _tx(
            "cd" * 32,
            "0" * 63 + "2",
            91900,
            prev=coinbase.txid,
            address="1B",
            value=1,
            chain="bitcoin-cash",
        )
        store.ingest([BlockHeader("bitcoin-cash", 91900, "0" * 63 + "2", None, None), spend])
        rows = store.con.execute(
            "SELECT t.height FROM inputs i JOIN txs t ON t.tx_id = i.prev_tx_id"
        ).fetchall()
        assert rows == [(91880,)]
        # and the stored warning survives reopening
    with TxStore(tmp_path / "s.duckdb") as store:
        assert any(w.code is WarningCode.DUPLICATE_TXID for w in store.stored_warnings())


def test_reimport_is_idempotent_and_conflicts_are_warned(tmp_path: Path) -> None:
    with TxStore(tmp_path / "s.duckdb") as store:
        tx = _tx("ab" * 32, "b1", 1)
        store.ingest([tx])
        report = store.ingest([tx])
        assert report.skipped_duplicates == 1 and not report.warnings
        changed = dataclasses.replace(tx, outputs=(TxOutput(0, 99, "1Other"),))
        report = store.ingest([changed])
        assert [w.code for w in report.warnings] == [WarningCode.CONFLICTING_TX]
        assert store.con.execute("SELECT value FROM outputs").fetchall() == [(10,)]


def test_reorg_removes_the_orphaned_block(tmp_path: Path) -> None:
    with TxStore(tmp_path / "s.duckdb") as store:
        store.ingest(
            [BlockHeader("bitcoin", 1, "aa" * 32, "00" * 32, 1), _tx("01" * 32, "aa" * 32, 1)]
        )
        report = store.ingest(
            [BlockHeader("bitcoin", 1, "bb" * 32, "00" * 32, 2), _tx("02" * 32, "bb" * 32, 1)]
        )
        assert report.warnings[0].code is WarningCode.REORG
        assert "01" * 32 in report.warnings[0].message
        assert [r[0] for r in store.con.execute("SELECT txid FROM txs").fetchall()] == ["02" * 32]
        gap = store.ingest([BlockHeader("bitcoin", 2, "cc" * 32, "ff" * 32, 3)])
        assert [w.code for w in gap.warnings] == [WarningCode.CHAIN_GAP]


def test_inputs_resolve_out_of_order(tmp_path: Path) -> None:
    with TxStore(tmp_path / "s.duckdb") as store:
        store.ingest([_tx("02" * 32, None, None, prev="01" * 32, address="1B")])
        assert store.resolve_inputs() == 1
        store.ingest([_tx("01" * 32, None, None, address="1A", value=10)])
        assert store.con.execute("SELECT value FROM inputs").fetchall() == [(10,)]
        summary = store.address_summary("1A")
        assert summary["utxo_received"] == 10 and summary["utxo_sent"] == 10


def test_huge_token_values_are_kept_as_text(tmp_path: Path) -> None:
    big = 2**200
    transfer = Transfer(
        "ethereum",
        "0x" + "ab" * 32,
        TransferKind.ERC20,
        "0x" + "11" * 20,
        "0x" + "22" * 20,
        "0x" + "33" * 20,
        big,
        1,
        None,
        "log:0",
    )
    with TxStore(tmp_path / "s.duckdb") as store:
        report = store.ingest([transfer])
        assert [w.code for w in report.warnings] == [WarningCode.VALUE_OVERFLOW]
        assert store.con.execute("SELECT value, value_text FROM transfers").fetchall() == [
            (None, str(big))
        ]


def test_esplora_ingest_counts(etl: Path, tmp_path: Path) -> None:
    with TxStore(tmp_path / "s.duckdb") as store:
        report = store.ingest(EsploraFileSource(etl / "esplora_prevout_txs").records())
        counts = store.counts()
        assert report.transactions == counts["txs"] == 198
        assert counts["inputs"] == sum(
            n for (n,) in store.con.execute("SELECT n_in FROM txs").fetchall()
        )
        assert store.con.execute("SELECT count(*) FROM inputs WHERE value IS NULL").fetchone() == (
            0,
        )
