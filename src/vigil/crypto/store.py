"""The local transaction store: one DuckDB file per workspace (embedded, no server).

Tables (integer ids keep joins fast; strings are looked up once):

    addresses(address_id, address)
    blocks(chain, height, block_hash, parent_hash, ts)
    txs(tx_id, chain, txid, block_hash, height, ts, position, is_coinbase,
        coinjoin_hint, shielded, n_in, n_out, source)
    outputs(tx_id, vout, address_id, value, script_type)
    inputs(tx_id, vin, prev_txid, prev_tx_id, prev_vout, address_id, value, script_type)
    transfers(tx_id, position, kind, asset, from_id, to_id, value, value_text, block_number, ts)
    warnings(seq, code, message, source, txid, block_hash)

Integrity rules, each a stored warning, never a silent overwrite:
- the same txid again in the same block is skipped (re-import is idempotent);
  with different content it is a `conflicting_tx` and the first copy stays;
- the same txid in another block (BIP30 duplicate coinbases) is kept as a second
  occurrence with a `duplicate_txid` warning; spends resolve to the latest
  occurrence at or below the spender's height;
- a new block hash at a stored height is a `reorg`: the old block's
  transactions are removed (and listed in the warning) before the new ones go in;
- a block whose parent is not the stored block below it is a `chain_gap`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.crypto._values import normalize_address
from vigil.crypto.model import (
    AccountTransaction,
    BlockHeader,
    ChainRecord,
    ChainWarning,
    Transfer,
    UtxoTransaction,
    WarningCode,
)
from vigil.domain.errors import StoreError

if TYPE_CHECKING:
    import duckdb

__all__ = ["IngestReport", "TxStore"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS addresses(address_id BIGINT, address VARCHAR);
CREATE TABLE IF NOT EXISTS blocks(chain VARCHAR, height BIGINT, block_hash VARCHAR,
    parent_hash VARCHAR, ts BIGINT);
CREATE TABLE IF NOT EXISTS txs(tx_id BIGINT, chain VARCHAR, txid VARCHAR, block_hash VARCHAR,
    height BIGINT, ts BIGINT, position INTEGER, is_coinbase BOOLEAN, coinjoin_hint BOOLEAN,
    shielded BOOLEAN, n_in INTEGER, n_out INTEGER, source VARCHAR, digest VARCHAR);
CREATE TABLE IF NOT EXISTS outputs(tx_id BIGINT, vout INTEGER, address_id BIGINT, value BIGINT,
    script_type VARCHAR);
CREATE TABLE IF NOT EXISTS inputs(tx_id BIGINT, vin INTEGER, prev_txid VARCHAR, prev_tx_id BIGINT,
    prev_vout INTEGER, address_id BIGINT, value BIGINT, script_type VARCHAR);
CREATE TABLE IF NOT EXISTS transfers(tx_id BIGINT, position VARCHAR, kind VARCHAR, asset VARCHAR,
    from_id BIGINT, to_id BIGINT, value HUGEINT, value_text VARCHAR, block_number BIGINT,
    ts BIGINT);
CREATE TABLE IF NOT EXISTS warnings(seq BIGINT, code VARCHAR, message VARCHAR, source VARCHAR,
    txid VARCHAR, block_hash VARCHAR);
"""

_HUGEINT_MAX = 2**127 - 1


@dataclass(slots=True)
class IngestReport:
    """What one ingest did."""

    blocks: int = 0
    transactions: int = 0
    transfers: int = 0
    skipped_duplicates: int = 0
    warnings: list[ChainWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "blocks": self.blocks,
            "transactions": self.transactions,
            "transfers": self.transfers,
            "skipped_duplicates": self.skipped_duplicates,
            "warnings": [
                {"code": w.code.value, "message": w.message, "source": w.source, "txid": w.txid}
                for w in self.warnings
            ],
        }


def _digest_utxo(tx: UtxoTransaction) -> str:
    parts = [f"{i.prev_txid}:{i.prev_vout}" for i in tx.inputs]
    parts += [f"{o.index}:{o.value}:{o.address}" for o in tx.outputs]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _digest_transfer(t: Transfer) -> str:
    return f"{t.from_address}>{t.to_address}:{t.asset}:{t.value}"


def _connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise StoreError(
            "the crypto store needs duckdb: pip install 'vigil-forensics[crypto]'"
        ) from exc
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the transaction store {path}: {exc}") from exc


class TxStore:
    """A DuckDB transaction store. Use as a context manager, or call close()."""

    def __init__(self, path: Path | str, *, read_only: bool = False):
        self.path = path
        self.con = _connect(path, read_only)
        if not read_only:
            self.con.execute(_SCHEMA)
        self._next_tx = self._scalar("SELECT coalesce(max(tx_id), 0) + 1 FROM txs")
        self._next_address = self._scalar("SELECT coalesce(max(address_id), 0) + 1 FROM addresses")
        self._next_warning = self._scalar("SELECT coalesce(max(seq), 0) + 1 FROM warnings")

    # -- plumbing -----------------------------------------------------------------

    def _scalar(self, sql: str, params: Sequence[object] = ()) -> int:
        row = self.con.execute(sql, list(params)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> TxStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _warn(self, report: IngestReport, warning: ChainWarning) -> None:
        report.warnings.append(warning)
        self.con.execute(
            "INSERT INTO warnings VALUES (?, ?, ?, ?, ?, ?)",
            [
                self._next_warning,
                warning.code.value,
                warning.message,
                warning.source,
                warning.txid,
                warning.block_hash,
            ],
        )
        self._next_warning += 1
        log.warning("crypto ingest: %s: %s (%s)", warning.code.value, warning.message, warning.txid)

    def address_ids(self, addresses: Iterable[str], *, create: bool = True) -> dict[str, int]:
        """Ids of addresses (normalised), creating missing ones when asked."""
        import numpy as np

        wanted = sorted({normalize_address(a) for a in addresses if a})
        if not wanted:
            return {}
        batch = {"address": np.array(wanted, dtype=object)}  # noqa: F841 - scanned by duckdb
        rows = self.con.execute(
            "SELECT a.address, a.address_id FROM addresses a JOIN batch b USING (address)"
        ).fetchall()
        found = {str(a): int(i) for a, i in rows}
        missing = [a for a in wanted if a not in found]
        if missing and create:
            ids = np.arange(self._next_address, self._next_address + len(missing), dtype=np.int64)
            new = {"address_id": ids, "address": np.array(missing, dtype=object)}  # noqa: F841
            self.con.execute("INSERT INTO addresses SELECT address_id, address FROM new")
            self._next_address += len(missing)
            found.update(zip(missing, (int(i) for i in ids), strict=True))
        return found

    def address_of(self, address_ids: Iterable[int]) -> dict[int, str]:
        import numpy as np

        ids = sorted(set(address_ids))
        if not ids:
            return {}
        batch = {"address_id": np.array(ids, dtype=np.int64)}  # noqa: F841
        rows = self.con.execute(
            "SELECT a.address_id, a.address FROM addresses a JOIN batch b USING (address_id)"
        ).fetchall()
        return {int(i): str(a) for i, a in rows}

    # -- ingest -------------------------------------------------------------------

    def ingest(self, records: Iterable[ChainRecord], *, batch_size: int = 5000) -> IngestReport:
        """Store records from a `ChainSource`; returns counts and every warning
        (the source's and the store's own). Input values left unknown by the
        source are resolved from stored outputs at the end."""
        report = IngestReport()
        pending: list[UtxoTransaction | AccountTransaction | Transfer] = []
        self.con.execute("BEGIN")
        try:
            for record in records:
                if isinstance(record, ChainWarning):
                    self._warn(report, record)
                elif isinstance(record, BlockHeader):
                    self._flush(pending, report)
                    pending = []
                    self._block(record, report)
                else:
                    pending.append(record)
                    if len(pending) >= batch_size:
                        self._flush(pending, report)
                        pending = []
            self._flush(pending, report)
            self.resolve_inputs()
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return report

    def _block(self, header: BlockHeader, report: IngestReport) -> None:
        rows = self.con.execute(
            "SELECT block_hash FROM blocks WHERE chain = ? AND height = ?",
            [header.chain, header.height],
        ).fetchall()
        if rows and rows[0][0] == header.block_hash:
            return
        if rows:
            old = str(rows[0][0])
            removed = self._remove_block(header.chain, old)
            self._warn(
                report,
                ChainWarning(
                    WarningCode.REORG,
                    f"{header.chain} height {header.height}: block {old} replaced by "
                    f"{header.block_hash}; {len(removed)} transaction(s) of the old block removed"
                    + (f": {', '.join(removed[:20])}" if removed else ""),
                    block_hash=header.block_hash,
                ),
            )
        below = self.con.execute(
            "SELECT block_hash FROM blocks WHERE chain = ? AND height = ?",
            [header.chain, header.height - 1],
        ).fetchall()
        if below and header.parent_hash and below[0][0] != header.parent_hash:
            self._warn(
                report,
                ChainWarning(
                    WarningCode.CHAIN_GAP,
                    f"{header.chain} block {header.block_hash} at height {header.height} names "
                    f"parent {header.parent_hash}, but the stored block at "
                    f"{header.height - 1} is {below[0][0]}",
                    block_hash=header.block_hash,
                ),
            )
        self.con.execute(
            "INSERT INTO blocks VALUES (?, ?, ?, ?, ?)",
            [header.chain, header.height, header.block_hash, header.parent_hash, header.timestamp],
        )
        report.blocks += 1

    def _remove_block(self, chain: str, block_hash: str) -> list[str]:
        rows = self.con.execute(
            "SELECT tx_id, txid FROM txs WHERE chain = ? AND block_hash = ?", [chain, block_hash]
        ).fetchall()
        ids = [int(r[0]) for r in rows]
        for table in ("inputs", "outputs", "transfers", "txs"):
            self.con.execute(
                f"DELETE FROM {table} WHERE tx_id IN (SELECT unnest(?::BIGINT[]))", [ids]
            )
        self.con.execute(
            "UPDATE inputs SET prev_tx_id = NULL WHERE prev_tx_id IN (SELECT unnest(?::BIGINT[]))",
            [ids],
        )
        self.con.execute(
            "DELETE FROM blocks WHERE chain = ? AND block_hash = ?", [chain, block_hash]
        )
        return [str(r[1]) for r in rows]

    def _existing(
        self, chain_txids: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[tuple[int, str | None, str]]]:
        import numpy as np

        if not chain_txids:
            return {}
        chains, txids = zip(*sorted(chain_txids), strict=True)
        batch = {"chain": np.array(chains, dtype=object), "txid": np.array(txids, dtype=object)}  # noqa: F841
        rows = self.con.execute(
            "SELECT t.chain, t.txid, t.tx_id, t.block_hash, t.digest FROM txs t "
            "JOIN batch b ON t.chain = b.chain AND t.txid = b.txid"
        ).fetchall()
        found: dict[tuple[str, str], list[tuple[int, str | None, str]]] = {}
        for chain, txid, tx_id, block_hash, digest in rows:
            found.setdefault((chain, txid), []).append((int(tx_id), block_hash, str(digest)))
        return found

    def _flush(
        self, pending: list[UtxoTransaction | AccountTransaction | Transfer], report: IngestReport
    ) -> None:
        if not pending:
            return
        # account transactions carry their transfers; loose transfers need a tx row too
        keys: set[tuple[str, str]] = set()
        for record in pending:
            keys.add((record.chain, record.txid))
        existing = self._existing(keys)
        addresses: set[str] = set()
        for record in pending:
            if isinstance(record, UtxoTransaction):
                addresses.update(o.address for o in record.outputs if o.address)
                addresses.update(i.address for i in record.inputs if i.address)
            elif isinstance(record, AccountTransaction):
                for t in record.transfers:
                    addresses.update((t.from_address, t.to_address))
            else:
                addresses.update((record.from_address, record.to_address))
        ids = self.address_ids(addresses)
        tx_rows: list[tuple[object, ...]] = []
        out_rows: list[tuple[object, ...]] = []
        in_rows: list[tuple[object, ...]] = []
        transfer_rows: list[tuple[object, ...]] = []
        transfer_seen = self._transfer_keys(pending, existing)
        for record in pending:
            if isinstance(record, UtxoTransaction):
                tx_id = self._utxo_row(record, existing, report)
                if tx_id is None:
                    continue
                tx_rows.append(
                    (
                        tx_id,
                        record.chain,
                        record.txid,
                        record.block_hash,
                        record.height,
                        record.timestamp,
                        record.position,
                        record.is_coinbase,
                        record.coinjoin_hint,
                        record.shielded,
                        len(record.inputs),
                        len(record.outputs),
                        record.source,
                        _digest_utxo(record),
                    )
                )
                for o in record.outputs:
                    out_rows.append(
                        (
                            tx_id,
                            o.index,
                            ids.get(normalize_address(o.address)) if o.address else None,
                            o.value,
                            o.script_type,
                        )
                    )
                for i in record.inputs:
                    if i.is_coinbase:
                        continue
                    in_rows.append(
                        (
                            tx_id,
                            i.index,
                            i.prev_txid,
                            None,
                            i.prev_vout,
                            ids.get(normalize_address(i.address)) if i.address else None,
                            i.value,
                            i.script_type,
                        )
                    )
                report.transactions += 1
            else:
                transfers = (
                    record.transfers if isinstance(record, AccountTransaction) else (record,)
                )
                tx_id = self._account_row(record, existing, tx_rows)
                for t in transfers:
                    key = (t.chain, t.txid, t.position)
                    digest = _digest_transfer(t)
                    if key in transfer_seen:
                        if transfer_seen[key] != digest:
                            self._warn(
                                report,
                                ChainWarning(
                                    WarningCode.CONFLICTING_TX,
                                    f"transfer {t.position} of {t.txid} seen twice with different "
                                    f"content ({transfer_seen[key]} vs {digest}); "
                                    "the first is kept",
                                    source=t.source,
                                    txid=t.txid,
                                ),
                            )
                        else:
                            report.skipped_duplicates += 1
                        continue
                    transfer_seen[key] = digest
                    value: int | None = t.value
                    if t.value > _HUGEINT_MAX:
                        self._warn(
                            report,
                            ChainWarning(
                                WarningCode.VALUE_OVERFLOW,
                                f"transfer {t.position} value {t.value} exceeds 128 bits: "
                                "kept as text only",
                                source=t.source,
                                txid=t.txid,
                            ),
                        )
                        value = None
                    transfer_rows.append(
                        (
                            tx_id,
                            t.position,
                            t.kind.value,
                            t.asset,
                            ids[normalize_address(t.from_address)],
                            ids[normalize_address(t.to_address)],
                            value,
                            str(t.value),
                            t.block_number,
                            t.timestamp,
                        )
                    )
                    report.transfers += 1
                if isinstance(record, AccountTransaction):
                    report.transactions += 1
        self._insert("txs", tx_rows, 14)
        self._insert("outputs", out_rows, 5)
        self._insert("inputs", in_rows, 8)
        self._insert("transfers", transfer_rows, 10)

    def _transfer_keys(
        self,
        pending: Sequence[UtxoTransaction | AccountTransaction | Transfer],
        existing: dict[tuple[str, str], list[tuple[int, str | None, str]]],
    ) -> dict[tuple[str, str, str], str]:
        account_ids = [tx_id for (chain, _), occ in existing.items() for tx_id, _, _ in occ]
        if not account_ids:
            return {}
        rows = self.con.execute(
            "SELECT t.chain, t.txid, f.position, fa.address || '>' || ta.address || ':' || f.asset "
            "|| ':' || f.value_text FROM transfers f JOIN txs t USING (tx_id) "
            "JOIN addresses fa ON fa.address_id = f.from_id "
            "JOIN addresses ta ON ta.address_id = f.to_id "
            "WHERE f.tx_id IN (SELECT unnest(?::BIGINT[]))",
            [account_ids],
        ).fetchall()
        return {(str(c), str(x), str(p)): str(d) for c, x, p, d in rows}

    def _utxo_row(
        self,
        tx: UtxoTransaction,
        existing: dict[tuple[str, str], list[tuple[int, str | None, str]]],
        report: IngestReport,
    ) -> int | None:
        key = (tx.chain, tx.txid)
        occurrences = existing.setdefault(key, [])
        digest = _digest_utxo(tx)
        for tx_id, block_hash, old_digest in occurrences:
            if block_hash == tx.block_hash or block_hash is None or tx.block_hash is None:
                if old_digest != digest:
                    self._warn(
                        report,
                        ChainWarning(
                            WarningCode.CONFLICTING_TX,
                            f"{tx.txid} was stored before with different inputs/outputs; "
                            "the stored copy is kept and this one ignored",
                            source=tx.source,
                            txid=tx.txid,
                            block_hash=tx.block_hash or "",
                        ),
                    )
                elif block_hash is None and tx.block_hash is not None:
                    # an unconfirmed copy now confirmed: record where
                    self.con.execute(
                        "UPDATE txs SET block_hash = ?, height = ?, ts = ?, position = ? "
                        "WHERE tx_id = ?",
                        [tx.block_hash, tx.height, tx.timestamp, tx.position, tx_id],
                    )
                report.skipped_duplicates += 1
                return None
        if occurrences:
            self._warn(
                report,
                ChainWarning(
                    WarningCode.DUPLICATE_TXID,
                    f"{tx.txid} occurs again in block {tx.block_hash} (height {tx.height}), "
                    f"already stored from block(s) {', '.join(str(o[1]) for o in occurrences)}: "
                    "both occurrences kept; spends of it resolve to the latest one at or "
                    "below the spender's height (BIP30)",
                    source=tx.source,
                    txid=tx.txid,
                    block_hash=tx.block_hash or "",
                ),
            )
        tx_id = self._next_tx
        self._next_tx += 1
        occurrences.append((tx_id, tx.block_hash, digest))
        return tx_id

    def _account_row(
        self,
        record: AccountTransaction | Transfer,
        existing: dict[tuple[str, str], list[tuple[int, str | None, str]]],
        tx_rows: list[tuple[object, ...]],
    ) -> int:
        key = (record.chain, record.txid)
        occurrences = existing.setdefault(key, [])
        if occurrences:
            return occurrences[0][0]
        tx_id = self._next_tx
        self._next_tx += 1
        occurrences.append((tx_id, None, ""))
        if isinstance(record, AccountTransaction):
            tx_rows.append(
                (
                    tx_id,
                    record.chain,
                    record.txid,
                    record.block_hash,
                    record.block_number,
                    record.timestamp,
                    record.position,
                    False,
                    None,
                    False,
                    1,
                    1,
                    record.source,
                    "",
                )
            )
        else:
            tx_rows.append(
                (
                    tx_id,
                    record.chain,
                    record.txid,
                    None,
                    record.block_number,
                    record.timestamp,
                    None,
                    False,
                    None,
                    False,
                    1,
                    1,
                    record.source,
                    "",
                )
            )
        return tx_id

    def _insert(self, table: str, rows: list[tuple[object, ...]], width: int) -> None:
        """Columnar insert (numpy object columns scanned by DuckDB): far faster than
        executemany, and each column cast to the table's type."""
        if not rows:
            return
        import numpy as np

        types = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        assert len(types) == width, (table, types)
        columns = list(zip(*rows, strict=True))
        frame = {f"c{i}": np.array(c, dtype=object) for i, c in enumerate(columns)}  # noqa: F841
        select = ", ".join(f"CAST(c{i} AS {t})" for i, (_, t) in enumerate(types))
        self.con.execute(f"INSERT INTO {table} SELECT {select} FROM frame")

    def resolve_inputs(self) -> int:
        """Link inputs to the outputs they spend and fill unknown address/value.

        A txid with several occurrences (BIP30) resolves to the latest one at or
        below the spender's height. Returns how many inputs are still unresolved."""
        self.con.execute(
            """
            UPDATE inputs SET prev_tx_id = m.prev_tx_id FROM (
                SELECT i.tx_id, i.vin, max_by(p.tx_id, coalesce(p.height, -1)) AS prev_tx_id
                FROM inputs i
                JOIN txs s ON s.tx_id = i.tx_id
                JOIN txs p ON p.txid = i.prev_txid AND p.chain = s.chain
                    AND (s.height IS NULL OR p.height IS NULL OR p.height <= s.height)
                WHERE i.prev_tx_id IS NULL
                GROUP BY i.tx_id, i.vin
            ) m
            WHERE inputs.tx_id = m.tx_id AND inputs.vin = m.vin
            """
        )
        self.con.execute(
            """
            UPDATE inputs SET address_id = coalesce(inputs.address_id, o.address_id),
                value = coalesce(inputs.value, o.value),
                script_type = coalesce(inputs.script_type, o.script_type)
            FROM outputs o
            WHERE o.tx_id = inputs.prev_tx_id AND o.vout = inputs.prev_vout
              AND (inputs.value IS NULL OR inputs.address_id IS NULL)
            """
        )
        return self._scalar(
            "SELECT count(*) FROM inputs "
            "WHERE value IS NULL AND script_type IS DISTINCT FROM 'shielded'"
        )

    # -- bulk path (benchmarks, large imports) -----------------------------------

    def bulk_load(self, tables: dict[str, dict[str, Any]]) -> None:
        """Append whole numpy columns: {'txs': {...}, 'outputs': {...}, 'inputs': {...},
        'addresses': {...}}; column names as in the schema, missing ones NULL.
        No duplicate or reorg checks: for data made or checked beforehand."""
        self.con.execute("BEGIN")
        try:
            for table, columns in tables.items():
                names = list(columns)
                frame = columns  # noqa: F841 - scanned by duckdb
                select = ", ".join(f'"{n}"' for n in names)
                self.con.execute(f"INSERT INTO {table} ({select}) SELECT {select} FROM frame")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        self._next_tx = self._scalar("SELECT coalesce(max(tx_id), 0) + 1 FROM txs")
        self._next_address = self._scalar("SELECT coalesce(max(address_id), 0) + 1 FROM addresses")

    # -- queries ------------------------------------------------------------------

    def stored_warnings(self) -> list[ChainWarning]:
        rows = self.con.execute(
            "SELECT code, message, source, txid, block_hash FROM warnings ORDER BY seq"
        ).fetchall()
        return [
            ChainWarning(WarningCode(c), m, s or "", t or "", b or "") for c, m, s, t, b in rows
        ]

    def counts(self) -> dict[str, int]:
        return {
            table: self._scalar(f"SELECT count(*) FROM {table}")
            for table in (
                "addresses",
                "blocks",
                "txs",
                "inputs",
                "outputs",
                "transfers",
                "warnings",
            )
        }

    def address_summary(self, address: str) -> dict[str, object]:
        """Received, sent, balance and counts for one address (UTXO and account)."""
        ids = self.address_ids([address], create=False)
        address_id = ids.get(normalize_address(address))
        if address_id is None:
            return {"address": normalize_address(address), "known": False}
        received = self._scalar(
            "SELECT coalesce(sum(value), 0) FROM outputs WHERE address_id = ?", [address_id]
        )
        sent = self._scalar(
            "SELECT coalesce(sum(value), 0) FROM inputs WHERE address_id = ?", [address_id]
        )
        n_tx = self._scalar(
            "SELECT count(DISTINCT tx_id) FROM (SELECT tx_id FROM outputs WHERE address_id = ? "
            "UNION ALL SELECT tx_id FROM inputs WHERE address_id = ? "
            "UNION ALL SELECT tx_id FROM transfers WHERE from_id = ? OR to_id = ?)",
            [address_id] * 4,
        )
        assets = self.con.execute(
            "SELECT asset, sum(CASE WHEN to_id = ? THEN value ELSE 0 END)::VARCHAR, "
            "sum(CASE WHEN from_id = ? THEN value ELSE 0 END)::VARCHAR FROM transfers "
            "WHERE from_id = ? OR to_id = ? GROUP BY asset ORDER BY asset",
            [address_id] * 4,
        ).fetchall()
        return {
            "address": normalize_address(address),
            "known": True,
            "address_id": address_id,
            "transactions": n_tx,
            "utxo_received": received,
            "utxo_sent": sent,
            "utxo_balance": received - sent,
            "account_assets": [
                {"asset": a, "received": int(r or 0), "sent": int(s or 0)} for a, r, s in assets
            ],
        }

    def txid_of(self, tx_ids: Iterable[int]) -> dict[int, str]:
        import numpy as np

        ids = sorted(set(tx_ids))
        if not ids:
            return {}
        batch = {"tx_id": np.array(ids, dtype=np.int64)}  # noqa: F841
        rows = self.con.execute(
            "SELECT t.tx_id, t.txid FROM txs t JOIN batch USING (tx_id)"
        ).fetchall()
        return {int(i): str(t) for i, t in rows}

    def neighbours(
        self, address_ids: Sequence[int], *, direction: str = "out"
    ) -> Iterator[tuple[int, int, int]]:
        """(from address_id, to address_id, tx_id) edges leaving (out) or entering
        (in) the given addresses, through UTXO transactions and account transfers."""
        import numpy as np

        frontier = {"address_id": np.array(sorted(set(address_ids)), dtype=np.int64)}  # noqa: F841
        if direction == "out":
            sql = (
                "SELECT i.address_id, o.address_id, i.tx_id FROM inputs i "
                "JOIN frontier f ON i.address_id = f.address_id "
                "JOIN outputs o ON o.tx_id = i.tx_id WHERE o.address_id IS NOT NULL "
                "UNION SELECT t.from_id, t.to_id, t.tx_id FROM transfers t "
                "JOIN frontier f ON t.from_id = f.address_id"
            )
        else:
            sql = (
                "SELECT i.address_id, o.address_id, o.tx_id FROM outputs o "
                "JOIN frontier f ON o.address_id = f.address_id "
                "JOIN inputs i ON i.tx_id = o.tx_id WHERE i.address_id IS NOT NULL "
                "UNION SELECT t.from_id, t.to_id, t.tx_id FROM transfers t "
                "JOIN frontier f ON t.to_id = f.address_id"
            )
        for a, b, t in self.con.execute(sql).fetchall():
            yield int(a), int(b), int(t)
